"""Loading the reference provinces, standard agencies and collective names from `fixtures/`.

Re-runnable: rows are found by their natural keys (province slug; agency and collective name
within a province, folded) and updated in place, never duplicated and never deleted. Agencies
are created for every province from one list of standard bodies, with the 2025 department
mergers and province mergers written as successor links.
"""

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from agencies.models import Agency, AgencyAlias, CollectiveName, Province
from parindex.core.text import fold

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
BATCH = 2000  # rows a bulk statement: under SQLite's limit of bound parameters


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


def _differs(obj, name: str, value) -> bool:
    """Whether a field holds another value (a foreign key compared by id: no query)."""
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def upsert(model, lookup: dict, values: dict, report: LoadReport, *, known: dict | None = None):
    """The `model` row matching `lookup`: created from `lookup` and `values`, or updated with
    those `values` that differ (a full `save()`, so a model's derived fields follow), and
    counted in `report` either way. `known` (the rows already loaded, by the lookup's one
    value) spares a query per row and is kept up to date."""
    key = next(iter(lookup.values())) if known is not None else None
    obj = known.get(key) if known is not None else model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        if known is not None:
            known[key] = obj
        report.count("created", model._meta.model_name)
        return obj
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        report.count("updated", model._meta.model_name)
    return obj


def _sync(model, existing: dict, wanted: dict, report: LoadReport) -> None:
    """`upsert` for many rows: one bulk insert of the missing, one bulk update of the changed.

    Bulk writes skip `save()`: `wanted` carries the folded names the models' `save()` would set.
    """
    missing, changed, fields = [], [], set()
    for key, values in wanted.items():
        obj = existing.get(key)
        if obj is None:
            existing[key] = obj = model(**values)
            missing.append(obj)
            continue
        names = [name for name, value in values.items() if _differs(obj, name, value)]
        for name in names:
            setattr(obj, name, values[name])
        if names:
            changed.append(obj)
            fields.update(names)
    name = model._meta.model_name
    if missing:
        model.objects.bulk_create(missing, batch_size=BATCH)
        report.count("created", name, len(missing))
    if changed:
        model.objects.bulk_update(changed, sorted(fields), batch_size=BATCH)
        report.count("updated", name, len(changed))


def load_provinces(report: LoadReport) -> dict[str, Province]:
    """Create the 63 pre-2025 provinces and the 2025 units; returns provinces by slug."""
    data = read_fixture("provinces.json")
    old_end, new_start = _date(data["old_end"]), _date(data["new_start"])
    existing = {p.slug: p for p in Province.objects.all()}
    merged_codes = {code for unit in data["units_2025"] for code in unit["formed_from"]}

    old_by_code: dict[str, Province] = {}
    for code, name, kind in data["before_2025"]:
        values = {
            "code": code,
            "name": name,
            "kind": kind,
            "valid_from": None,
            "valid_to": old_end if code in merged_codes else None,
        }
        slug = province_slug(code, name)
        old_by_code[code] = upsert(Province, {"slug": slug}, values, report, known=existing)

    for unit in data["units_2025"]:
        if not unit["formed_from"]:
            continue  # unchanged: the pre-2025 record continues
        values = {
            "code": unit["code"],
            "name": unit["name"],
            "kind": unit["kind"],
            "valid_from": new_start,
            "valid_to": None,
        }
        slug = province_slug(unit["code"], unit["name"], new_start)
        new_unit = upsert(Province, {"slug": slug}, values, report, known=existing)
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


AgencyKey = tuple[int, str]  # (province id, folded name): the natural key of an agency


class _Wanted:
    """The reference agencies as the fixtures describe them, gathered before any write."""

    def __init__(self):
        self.rows: dict[AgencyKey, dict] = {}
        self.aliases: dict[AgencyKey, list[str]] = {}
        self.successors: dict[AgencyKey, AgencyKey] = {}

    def add(self, province: Province, name: str, aliases=(), **values) -> AgencyKey:
        key = (province.pk, fold(name))
        self.rows[key] = {
            "province": province,
            "name": name,
            "search_name": key[1],
            "short_name": "",
            "verified": True,
            **values,
        }
        self.aliases.setdefault(key, []).extend(aliases)
        return key


def load_agencies(provinces: dict[str, Province], report: LoadReport) -> None:
    """The standard bodies of every province and the districts and communes of
    `fixtures/admin_units.json`, with their successors and aliases, written in bulk."""
    data = read_fixture("agencies.json")
    wanted = _Wanted()
    _want_bodies(provinces, data["bodies"], wanted)
    _want_units(provinces, read_fixture("admin_units.json"), wanted)

    existing = {(a.province_id, a.search_name): a for a in Agency.objects.all()}
    # Successors first, so each row is written with its successor at once (a bulk update of
    # ten thousand links would cost more than the whole load). A successor is set where the
    # fixtures give one and never cleared: an administrator may have named one they do not.
    for level in _successor_levels(wanted.successors, wanted.rows):
        rows = {}
        for key in level:
            rows[key] = dict(wanted.rows[key])
            if key in wanted.successors:
                rows[key]["successor"] = existing[wanted.successors[key]]
        _sync(Agency, existing, rows, report)

    alias_keys = set(AgencyAlias.objects.values_list("agency_id", "search_alias"))
    aliases = []
    for key, names in wanted.aliases.items():
        agency = existing[key]
        for alias in names:
            alias_key = (agency.pk, fold(alias))
            if alias_key[1] and alias_key[1] != agency.search_name and alias_key not in alias_keys:
                aliases.append(AgencyAlias(agency=agency, alias=alias, search_alias=alias_key[1]))
                alias_keys.add(alias_key)
    if aliases:
        AgencyAlias.objects.bulk_create(aliases, batch_size=BATCH)
        report.count("created", "agencyalias", len(aliases))

    _load_collective_names(provinces, data["collective_names"], existing, report)


def _successor_levels(successors: dict, rows: dict) -> list[list]:
    """The rows in writing order: those without a successor, then those whose successor is in
    the level before, and so on (a chain is at most three long: department, merged department,
    the new province's department)."""
    depth: dict = {}
    for key in rows:
        chain = [key]
        while chain[-1] in successors and successors[chain[-1]] in rows:
            if successors[chain[-1]] in chain:
                raise ValueError(f"successor cycle through {key}")
            chain.append(successors[chain[-1]])
        for steps, link in enumerate(reversed(chain)):
            depth.setdefault(link, steps)
    levels: list[list] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for key, steps in depth.items():
        levels[steps].append(key)
    return levels


def _want_bodies(provinces: dict[str, Province], bodies: list[dict], wanted: _Wanted) -> None:
    """Every province's standard bodies; department mergers within a province, then province
    mergers to the new unit, as successors."""

    def named(template: str, province: Province) -> str:
        return template.replace("{province}", province.name)

    by_pk = {p.pk: p for p in provinces.values()}
    for province in provinces.values():
        for body in bodies:
            dates = _body_in_force(body, province)
            if dates is None:
                continue
            wanted.add(
                province,
                named(body["name"], province),
                [named(alias, province) for alias in body.get("aliases", [])],
                short_name=named(body.get("short", ""), province),
                kind=body["kind"],
                valid_from=dates[0],
                valid_to=dates[1],
            )

    for province in provinces.values():
        for body in bodies:
            key = (province.pk, fold(named(body["name"], province)))
            if key not in wanted.rows:
                continue
            ends_in_province = body.get("until") and (
                province.valid_to is None or _date(body["until"]) < province.valid_to
            )
            if ends_in_province:
                wanted.successors[key] = (province.pk, fold(body["successor"]))
            elif province.merged_into_id and wanted.rows[key]["valid_to"] == province.valid_to:
                target = by_pk[province.merged_into_id]
                wanted.successors[key] = (target.pk, fold(named(body["name"], target)))


# The types of local government as the packages write them ("Thành Phố Bắc Kạn" too) and as
# plans do after "UBND": "UBND thành phố Bắc Kạn", "UBND xã Nam Cường".
UNIT_TYPES = ("Thành phố", "Thị xã", "Thị trấn", "Huyện", "Quận", "Xã", "Phường", "Đặc khu")
# Plans shorten "thành phố" and "thị xã": "UBND TP Bắc Kạn", "UBND TP. Bắc Kạn".
ABBREVIATIONS = {"thành phố": ("TP", "TP."), "thị xã": ("TX", "TX.")}


def unit_label(name: str) -> str:
    """ "Huyện Ba Bể" -> "huyện Ba Bể": a unit's name as it follows "UBND"."""
    for kind in UNIT_TYPES:
        if name[: len(kind) + 1].lower() == kind.lower() + " ":
            return f"{kind.lower()} {name[len(kind) + 1 :]}"
    return name


def _abbreviated(label: str) -> list[str]:
    for kind, shorts in ABBREVIATIONS.items():
        if label.startswith(kind + " "):
            return [f"UBND {short} {label[len(kind) + 1 :]}" for short in shorts]
    return []


def _want_units(provinces: dict[str, Province], units: dict, wanted: _Wanted) -> None:
    """Districts and communes before 01/07/2025 (in the old provinces) and communes, wards and
    special zones after (in the units in force from then), each named "UBND <type> <name>".

    Two communes of one province that share a name (two "Xã Tân Sơn" in two districts, or an
    old commune and the new one that took its name) are told apart by the old one's district:
    "UBND xã Tân Sơn (huyện Chợ Mới)"; where that is not enough, by their code.

    A district has no successor: the district level ended on 01/07/2025 and its work went to no
    single body (an island district that became a special zone excepted); an old commune's
    successor is the commune it went to.
    """
    old_end, new_start = _date(units["old_end"]), _date(units["new_start"])
    old = {p.code: p for p in provinces.values() if p.valid_from is None}
    current = {p.code: p for p in provinces.values() if p.valid_to is None}

    # (province, source key, label, district label, values, successor source key)
    rows: list[tuple[Province, tuple, str, str, dict, tuple | None]] = []
    before = {"valid_from": None, "valid_to": old_end}
    for code, districts in units["before_2025"].items():
        for district_code, district_name, zone, communes in districts:
            district = unit_label(district_name)
            successor = ("new", zone) if zone else None
            values = {"kind": Agency.Kind.DISTRICT, **before}
            rows.append((old[code], ("district", district_code), district, "", values, successor))
            for commune_code, commune_name, target in communes:
                successor = ("new", target) if target else None
                values = {"kind": Agency.Kind.COMMUNE, **before}
                label = unit_label(commune_name)
                rows.append((old[code], ("old", commune_code), label, district, values, successor))
    after = {"kind": Agency.Kind.COMMUNE, "valid_from": new_start, "valid_to": None}
    for code, communes in units["after_2025"].items():
        for commune_code, commune_name in communes:
            rows.append(
                (current[code], ("new", commune_code), unit_label(commune_name), "", after, None)
            )

    # Names are compared folded (no case, no diacritics), so "Xã Văn Lang" and "Xã Văn Lăng"
    # of one province clash too: an old commune takes its district, and a clash left takes
    # the commune's code.
    shared = Counter((province.pk, fold(label)) for province, _s, label, *_rest in rows)
    names = {}
    for province, source, label, district, _values, _successor in rows:
        clash = shared[(province.pk, fold(label))] > 1
        names[source] = f"UBND {label} ({district})" if clash and district else f"UBND {label}"
    still = Counter((province.pk, fold(names[source])) for province, source, *_rest in rows)
    keys: dict[tuple, AgencyKey] = {}
    for province, source, label, district, values, _successor in rows:
        name = names[source]
        if still[(province.pk, fold(name))] > 1:
            where = f"{district}, " if district else ""
            name = f"UBND {label} ({where}mã {source[1]:05d})"
        aliases = _abbreviated(label) if values["kind"] == Agency.Kind.DISTRICT else []
        keys[source] = wanted.add(province, name, aliases, **values)
    if len(set(keys.values())) != len(keys):
        raise ValueError("two administrative units would share an agency name")
    for _province, source, _label, _district, _values, successor in rows:
        if successor in keys:
            wanted.successors[keys[source]] = keys[successor]


def _load_collective_names(provinces, groups, agencies, report: LoadReport) -> None:
    """A group's listed `members` are set when its name is first created, never after: from
    then on they are Sở Nội vụ's to change."""
    existing = {(c.province_id, c.search_name): c for c in CollectiveName.objects.all()}
    wanted, members = {}, {}
    for province in provinces.values():
        for group in groups:
            for name in group["names"]:
                key = (province.pk, fold(name))
                wanted[key] = {
                    "province": province,
                    "name": name,
                    "search_name": key[1],
                    "member_kinds": group["kinds"],
                }
                if key not in existing and group.get("members"):
                    members[key] = [
                        agencies[(province.pk, fold(member))]
                        for member in group["members"]
                        if (province.pk, fold(member)) in agencies
                    ]
    _sync(CollectiveName, existing, wanted, report)
    through = CollectiveName.members.through
    through.objects.bulk_create(
        [
            through(collectivename=existing[key], agency=agency)
            for key, listed in members.items()
            for agency in listed
        ]
    )


@transaction.atomic
def reference_agencies_load() -> LoadReport:
    report = LoadReport()
    provinces = load_provinces(report)
    load_agencies(provinces, report)
    return report
