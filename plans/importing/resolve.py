"""Resolving agency text from an annex to the province's agencies.

A cell is split into names (`agency_text.split_agency_text`), then each name is looked up, in
this order, ignoring case and diacritics: an agency's own name, one of its aliases, a collective
name (expanded to every member agency in force on the plan's date). A name found nowhere is kept
as a new agency marked unverified, for Sở Nội vụ to review: nothing is dropped.
"""

import datetime
import re
from dataclasses import dataclass

from agencies.models import Agency, AgencyAlias, CollectiveName, Province
from parindex.text import fold
from plans.importing.agency_text import split_agency_text

MATCHED, ALIASED, EXPANDED, NEW = "matched", "aliased", "expanded", "new"


@dataclass
class ResolvedAgency:
    name: str  # the agency's name as stored (or to be stored, for a new one)
    how: str  # matched / aliased / expanded / new
    source: str  # the name as written in the cell
    agency: Agency | None = None  # None only for a new agency in a dry run


def agency_key(text: str, province_name: str = "") -> str:
    """The folded form names are compared by: "Ủy ban nhân dân" = "UBND", spacing around "&" and
    "-" ignored, a trailing "tỉnh <Province>" dropped."""
    key = fold(text).strip(" .;,:")
    key = key.replace("uy ban nhan dan", "ubnd").replace("u ban nhan dan", "ubnd")
    key = re.sub(r"\s*([&\-/])\s*", r"\1", key)
    province = fold(province_name)
    if province:
        key = re.sub(rf"\s+(tinh\s+)?{re.escape(province)}$", "", key)
    return key


def _kind_for_new(name: str) -> str:
    key = fold(name)
    if key.startswith("so "):
        return Agency.Kind.DEPARTMENT
    if key.startswith("lanh dao"):
        return Agency.Kind.LEADERSHIP
    if re.match(r"(ubnd|uy ban nhan dan) (huyen|thi xa|thanh pho)\b", key):
        return Agency.Kind.DISTRICT
    if re.match(r"(ubnd|uy ban nhan dan) (xa|phuong|thi tran)\b", key):
        return Agency.Kind.COMMUNE
    return Agency.Kind.EXTERNAL


def _tidy(name: str) -> str:
    """A readable name for a new agency: all-caps section titles become sentence case."""
    name = re.sub(r"\s+", " ", name).strip(" .;,:")
    if name.isupper() and len(name) > 4:
        words = name.lower().split(" ")
        name = " ".join([words[0].capitalize(), *words[1:]])
    return name


class AgencyResolver:
    """Resolves names for one province on one day; loads the province's names once."""

    def __init__(self, province: Province, on: datetime.date):
        self.province = province
        self.on = on
        self._by_key: dict[str, Agency] = {}
        agencies = Agency.objects.filter(province=province)
        # Prefer the agency in force on the day when two share a key (renamed bodies).
        for agency in sorted(agencies, key=lambda a: self._in_force(a)):
            self._by_key[agency_key(agency.name, province.name)] = agency
        self._by_alias: dict[str, Agency] = {}
        for alias in AgencyAlias.objects.filter(agency__province=province).select_related("agency"):
            self._by_alias.setdefault(agency_key(alias.alias, province.name), alias.agency)
        self._collectives = {
            agency_key(c.name, province.name): c
            for c in CollectiveName.objects.filter(province=province)
        }
        self._expanded: dict[int, list[Agency]] = {}
        self._new: dict[str, ResolvedAgency] = {}
        self._by_text: dict[str, list[ResolvedAgency]] = {}  # the same cells recur row after row
        self.protected = [a.name for a in agencies] + [c.name for c in self._collectives.values()]
        self.protected += list(
            AgencyAlias.objects.filter(agency__province=province).values_list("alias", flat=True)
        )

    def _in_force(self, agency: Agency) -> bool:
        starts = agency.valid_from is None or agency.valid_from <= self.on
        ends = agency.valid_to is None or agency.valid_to >= self.on
        return starts and ends

    def _members(self, collective: CollectiveName) -> list[Agency]:
        if collective.pk not in self._expanded:
            self._expanded[collective.pk] = list(collective.expand(self.on))
        return self._expanded[collective.pk]

    def resolve_name(self, written: str) -> list[ResolvedAgency]:
        key = agency_key(written, self.province.name)
        if not key:
            return []
        if key in self._by_key:
            agency = self._by_key[key]
            return [ResolvedAgency(agency.name, MATCHED, written, agency)]
        if key in self._by_alias:
            agency = self._by_alias[key]
            return [ResolvedAgency(agency.name, ALIASED, written, agency)]
        if key in self._collectives:
            members = self._members(self._collectives[key])
            if members:
                return [ResolvedAgency(m.name, EXPANDED, written, m) for m in members]
        if key not in self._new:
            self._new[key] = ResolvedAgency(_tidy(written), NEW, written, None)
        return [self._new[key]]

    def resolve_text(self, text: str) -> list[ResolvedAgency]:
        """Every agency a cell names, in order, each once."""
        if text not in self._by_text:
            self._by_text[text] = self._resolve_text(text)
        return list(self._by_text[text])

    def _resolve_text(self, text: str) -> list[ResolvedAgency]:
        resolved: list[ResolvedAgency] = []
        seen: set[str] = set()
        for name in split_agency_text(text, protected=self.protected):
            for item in self.resolve_name(name):
                key = fold(item.name)
                if key not in seen:
                    seen.add(key)
                    resolved.append(item)
        return resolved

    @property
    def new_agencies(self) -> list[ResolvedAgency]:
        return list(self._new.values())

    def create_new_agencies(self) -> None:
        """Save the names no one could place as unverified agencies of the province."""
        for item in self._new.values():
            if item.agency is None:
                agency = Agency(
                    province=self.province,
                    name=item.name,
                    kind=_kind_for_new(item.name),
                    verified=False,
                )
                agency.full_clean(validate_unique=False)
                agency.save()
                item.agency = agency
                self._by_key[agency_key(agency.name, self.province.name)] = agency
