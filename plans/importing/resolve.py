"""Resolving agency text from an annex to the province's agencies.

A cell is split into names (`agency_text.split_agency_text`), then each name is looked up, in
this order, ignoring case and diacritics: a verified agency's own name, one of an agency's
aliases, a collective name (expanded to every member agency in force on the plan's date). A
collective is recognised in the forms plans write it (`collective_form`): with a qualifier
("Các sở, ban, ngành có liên quan", "… trên địa bàn tỉnh"), with "và" or without commas, and
"Các sở, ngành tham mưu UBND tỉnh 6 lĩnh vực CCHC" as the collective of the departments leading
an area of the PAR INDEX. A name found nowhere is kept as an agency marked unverified, for Sở Nội
vụ to review: nothing is dropped. The vague "các cơ quan, đơn vị (có) liên quan", however it is
spelt, is one such agency per province.

Unverified agencies never change how known names resolve: they are looked up after every
collective, they are not protected from splitting, and collectives do not take them in by kind
(`CollectiveName.expand`), so importing the same file twice changes nothing.
"""

import datetime
import re
from dataclasses import dataclass

from agencies.models import Agency, AgencyAlias, CollectiveName, Province
from parindex.core.text import fold
from plans.importing.agency_text import split_agency_text

MATCHED, ALIASED, EXPANDED, NEW = "matched", "aliased", "expanded", "new"

# The one unverified agency standing for every spelling of the vague "related bodies".
RELATED_BODIES = "Các cơ quan, đơn vị có liên quan"
# The forms `collective_form` gives the vague "related bodies" and the PAR INDEX area leads;
# the latter is the collective of that name in fixtures/agencies.json.
RELATED_FORM = "cac co quan don vi"
CCHC_AREAS_FORM = "cac so nganh tham muu linh vuc cchc"

# Words after a collective that do not change who it stands for.
_QUALIFIER = re.compile(
    r"\s+(?:co lien quan|lien quan|tren dia ban(?: tinh)?|thuoc tinh|cua tinh|cap tinh|tinh)$"
)
_VAGUE = re.compile(r"^(?:cac )?(?:co quan|don vi)(?: (?:co quan|don vi|dia phuong))*$")
_CCHC_AREAS = re.compile(r"^cac .*\blinh vuc (?:chi so )?(?:cchc|cai cach hanh chinh|par ?index)$")


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


def collective_form(key: str) -> str:
    """The form collective names are compared by, from an `agency_key`: no punctuation, no
    "và", "các" only as the first word, no trailing qualifier ("có liên quan", "liên quan", "trên
    địa bàn tỉnh", "tỉnh"); every "… lĩnh vực CCHC" form is `CCHC_AREAS_FORM` and every vague
    "các cơ quan, đơn vị" form `RELATED_FORM`.

    "Các sở, ban, ngành có liên quan" → "cac so ban nganh"; "Các sở, ban ngành và các địa
    phương" → "cac so ban nganh dia phuong".
    """
    words = re.sub(r"[,;&]", " ", key).split()
    form = " ".join(w for i, w in enumerate(words) if w != "va" and (w != "cac" or i == 0))
    while (shorter := _QUALIFIER.sub("", form)) != form:
        form = shorter
    if _CCHC_AREAS.match(form):
        return CCHC_AREAS_FORM
    if _VAGUE.match(form):
        return RELATED_FORM
    return form


def _kind_for_new(name: str) -> str:
    """A first guess at an unknown name's kind, for the reviewer: an unverified agency joins no
    collective by its kind whatever it is."""
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
        self._verified: dict[str, Agency] = {}
        self._unverified: dict[str, Agency] = {}
        agencies = list(Agency.objects.filter(province=province))
        # Prefer the agency in force on the day when two share a key (renamed bodies).
        for agency in sorted(agencies, key=lambda a: self._in_force(a)):
            names = self._verified if agency.verified else self._unverified
            names[self._key(agency.name)] = agency
        self._by_alias: dict[str, Agency] = {}
        aliases = list(
            AgencyAlias.objects.filter(agency__province=province).select_related("agency")
        )
        for alias in aliases:
            self._by_alias.setdefault(self._key(alias.alias), alias.agency)
        collectives = list(CollectiveName.objects.filter(province=province).order_by("pk"))
        self._collectives = {self._key(c.name): c for c in collectives}
        self._collective_forms: dict[str, CollectiveName] = {}
        for collective in collectives:
            self._collective_forms.setdefault(
                collective_form(self._key(collective.name)), collective
            )
        self._related = self._related_agency(agencies, aliases)
        self._expanded: dict[int, list[Agency]] = {}
        # Names no one could place, by key: each mention written, the first one stands for all.
        self._unknown: dict[str, list[ResolvedAgency]] = {}
        self._by_text: dict[str, list[ResolvedAgency]] = {}  # the same cells recur row after row
        # Only known names keep their commas and "và": an unknown one must not change a split.
        self.protected = [a.name for a in agencies if a.verified]
        self.protected += [c.name for c in collectives] + [a.alias for a in aliases]

    def _key(self, text: str) -> str:
        return agency_key(text, self.province.name)

    def _in_force(self, agency: Agency) -> bool:
        starts = agency.valid_from is None or agency.valid_from <= self.on
        ends = agency.valid_to is None or agency.valid_to >= self.on
        return starts and ends

    def _related_agency(self, agencies, aliases) -> Agency | None:
        """The agency every vague "related bodies" spelling resolves to, if one exists: one a
        reviewer verified or named by an alias first, else the oldest unverified one."""

        def vague(text: str) -> bool:
            return collective_form(self._key(text)) == RELATED_FORM

        candidates = [a for a in agencies if a.verified and vague(a.name)]
        candidates += [a.agency for a in aliases if vague(a.alias)]
        unverified = [a for a in agencies if not a.verified and vague(a.name)]
        candidates += sorted(unverified, key=lambda a: a.pk)
        return candidates[0] if candidates else None

    def _members(self, collective: CollectiveName) -> list[Agency]:
        if collective.pk not in self._expanded:
            self._expanded[collective.pk] = list(collective.expand(self.on))
        return self._expanded[collective.pk]

    def resolve_name(self, written: str) -> list[ResolvedAgency]:
        key = self._key(written)
        if not key:
            return []
        if key in self._verified:
            agency = self._verified[key]
            return [ResolvedAgency(agency.name, MATCHED, written, agency)]
        if key in self._by_alias:
            agency = self._by_alias[key]
            return [ResolvedAgency(agency.name, ALIASED, written, agency)]
        form = collective_form(key)
        collective = self._collectives.get(key) or self._collective_forms.get(form)
        if collective is not None:
            members = self._members(collective)
            if members:
                return [ResolvedAgency(m.name, EXPANDED, written, m) for m in members]
        if form == RELATED_FORM:
            agency = self._related
            if agency is not None and agency.verified:
                return [ResolvedAgency(agency.name, MATCHED, written, agency)]
            key = self._key(agency.name if agency is not None else RELATED_BODIES)
            return [self._unknown_name(key, RELATED_BODIES, written)]
        return [self._unknown_name(key, _tidy(written), written)]

    def _unknown_name(self, key: str, name: str, written: str) -> ResolvedAgency:
        """An unverified agency for a name no one could place: the one an earlier import
        created, or a new one (saved by `create_new_agencies`)."""
        agency = self._unverified.get(key)
        mentions = self._unknown.setdefault(key, [])
        for item in mentions:
            if item.source == written:
                return item
        if mentions:
            name = mentions[0].name
        item = ResolvedAgency(agency.name if agency else name, NEW, written, agency)
        mentions.append(item)
        return item

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
        """The names no one could place, each once: unverified agencies, new or not."""
        return [mentions[0] for mentions in self._unknown.values()]

    def create_new_agencies(self) -> None:
        """Save the names no one could place as unverified agencies of the province."""
        for key, mentions in self._unknown.items():
            agency = mentions[0].agency
            if agency is None:
                agency = Agency(
                    province=self.province,
                    name=mentions[0].name,
                    kind=_kind_for_new(mentions[0].name),
                    verified=False,
                )
                agency.full_clean(validate_unique=False)
                agency.save()
                self._unverified[key] = agency
            for item in mentions:
                item.agency = agency
