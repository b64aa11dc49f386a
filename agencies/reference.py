"""Loading the reference provinces, standard agencies and collective names from `fixtures/`.

Re-runnable: rows are found by their natural keys (province slug; agency and collective name
within a province, folded) and updated in place, never duplicated and never deleted. Agencies
are created for every province from one list of standard bodies, with the 2025 department
mergers and province mergers written as successor links.
"""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from agencies.models import Agency, AgencyAlias, CollectiveName, Province
from parindex.text import fold

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, model: str, n: int = 1) -> None:
        bucket = self.created if kind == "created" else self.updated
        bucket[model] = bucket.get(model, 0) + n


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _later(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    """The later of two start dates (None = since always)."""
    if a is None or b is None:
        return a or b
    return max(a, b)


def _earlier(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    """The earlier of two end dates (None = still in force)."""
    if a is None or b is None:
        return a or b
    return min(a, b)


def read_fixture(name: str) -> dict:
    return json.loads((FIXTURES_DIR / name).read_text(encoding="utf-8"))


def province_slug(code: str, name: str, since: datetime.date | None = None) -> str:
    base = f"{code}-{slugify(fold(name))}"
    return f"{base}-{since.year}" if since else base


def _upsert(model, existing: dict, key, values: dict, report: LoadReport):
    """Update `existing[key]` with `values` when they differ, or create it."""
    obj = existing.get(key)
    if obj is None:
        obj = model(**values)
        obj.save()
        existing[key] = obj
        report.count("created", model._meta.model_name)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        report.count("updated", model._meta.model_name)
    return obj


def load_provinces(report: LoadReport) -> dict[str, Province]:
    """Create the 63 pre-2025 provinces and the 2025 units; returns provinces by slug."""
    data = read_fixture("provinces.json")
    old_end, new_start = _date(data["old_end"]), _date(data["new_start"])
    existing = {p.slug: p for p in Province.objects.all()}
    merged_codes = {code for unit in data["units_2025"] for code in unit["formed_from"]}

    old_by_code: dict[str, Province] = {}
    for code, name, kind in data["before_2025"]:
        values = {
            "slug": province_slug(code, name),
            "code": code,
            "name": name,
            "kind": kind,
            "valid_from": None,
            "valid_to": old_end if code in merged_codes else None,
        }
        old_by_code[code] = _upsert(Province, existing, values["slug"], values, report)

    for unit in data["units_2025"]:
        if not unit["formed_from"]:
            continue  # unchanged: the pre-2025 record continues
        values = {
            "slug": province_slug(unit["code"], unit["name"], new_start),
            "code": unit["code"],
            "name": unit["name"],
            "kind": unit["kind"],
            "valid_from": new_start,
            "valid_to": None,
        }
        new_unit = _upsert(Province, existing, values["slug"], values, report)
        for code in unit["formed_from"]:
            old = old_by_code[code]
            if old.merged_into_id != new_unit.pk:
                old.merged_into = new_unit
                old.save(update_fields=["merged_into"])
                report.count("updated", "province")
    return existing


def _body_in_force(
    body: dict, province: Province
) -> tuple[datetime.date | None, datetime.date | None] | None:
    """The dates a standard body exists in a province, or None if their lives do not overlap."""
    start = _later(_date(body.get("from")), province.valid_from)
    end = _earlier(_date(body.get("until")), province.valid_to)
    if start and end and start > end:
        return None
    return start, end


def load_agencies(provinces: dict[str, Province], report: LoadReport) -> None:
    data = read_fixture("agencies.json")
    existing = {(a.province_id, a.search_name): a for a in Agency.objects.all()}
    alias_keys = set(AgencyAlias.objects.values_list("agency_id", "search_alias"))
    by_code_old = {p.code: p for p in provinces.values() if p.valid_from is None}

    def upsert_agency(province: Province, name: str, values: dict) -> Agency:
        values = {"province": province, "name": name, "verified": True, **values}
        return _upsert(Agency, existing, (province.pk, fold(name)), values, report)

    def add_aliases(agency: Agency, aliases: list[str]) -> None:
        for alias in aliases:
            key = (agency.pk, fold(alias))
            if key[1] and key[1] != agency.search_name and key not in alias_keys:
                AgencyAlias(agency=agency, alias=alias).save()
                alias_keys.add(key)
                report.count("created", "agencyalias")

    def named(template: str, province: Province) -> str:
        return template.replace("{province}", province.name)

    for province in provinces.values():
        for body in data["bodies"]:
            dates = _body_in_force(body, province)
            if dates is None:
                continue
            agency = upsert_agency(
                province,
                named(body["name"], province),
                {
                    "short_name": named(body.get("short", ""), province),
                    "kind": body["kind"],
                    "valid_from": dates[0],
                    "valid_to": dates[1],
                },
            )
            add_aliases(agency, [named(alias, province) for alias in body.get("aliases", [])])

    local = data["local_governments"]
    for code, governments in local.items():
        if code.startswith("_") or code == "until":
            continue
        for government in governments:
            agency = upsert_agency(
                by_code_old[code],
                government["name"],
                {
                    "short_name": "",
                    "kind": Agency.Kind.DISTRICT,
                    "valid_from": None,
                    "valid_to": _date(local["until"]),
                },
            )
            add_aliases(agency, government["aliases"])

    _link_successors(provinces, data["bodies"], existing, report)
    _load_collective_names(provinces, data["collective_names"], existing, report)


def _link_successors(provinces, bodies, agencies, report: LoadReport) -> None:
    """Department mergers within a province, then province mergers to the new unit."""
    for province in provinces.values():
        for body in bodies:
            agency = agencies.get(
                (province.pk, fold(body["name"].replace("{province}", province.name)))
            )
            if agency is None:
                continue
            successor = None
            ends_in_province = body.get("until") and (
                province.valid_to is None or _date(body["until"]) < province.valid_to
            )
            if ends_in_province:
                successor = agencies.get((province.pk, fold(body["successor"])))
            elif province.merged_into_id and agency.valid_to == province.valid_to:
                target = province.merged_into
                successor = agencies.get(
                    (target.pk, fold(body["name"].replace("{province}", target.name)))
                )
            if successor is not None and agency.successor_id != successor.pk:
                agency.successor = successor
                agency.save(update_fields=["successor"])
                report.count("updated", "agency")


def _load_collective_names(provinces, groups, agencies, report: LoadReport) -> None:
    """A group's listed `members` are set when its name is first created, never after: from
    then on they are Sở Nội vụ's to change."""
    existing = {(c.province_id, c.search_name): c for c in CollectiveName.objects.all()}
    listed = []
    for province in provinces.values():
        for group in groups:
            for name in group["names"]:
                key = (province.pk, fold(name))
                created = key not in existing
                values = {"province": province, "name": name, "member_kinds": group["kinds"]}
                collective = _upsert(CollectiveName, existing, key, values, report)
                if created:
                    for member in group.get("members", []):
                        agency = agencies.get((province.pk, fold(member)))
                        if agency is not None:
                            listed.append((collective, agency))
    through = CollectiveName.members.through
    through.objects.bulk_create([through(collectivename=c, agency=a) for c, a in listed])


@transaction.atomic
def reference_agencies_load() -> LoadReport:
    report = LoadReport()
    provinces = load_provinces(report)
    load_agencies(provinces, report)
    return report
