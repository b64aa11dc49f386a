"""Building `fixtures/admin_units.json` from the packages that publish Vietnam's administrative
units; used by `manage.py build_admin_units` only, never by the running product.

Sources, read from the packages' wheels (two releases of one package cannot be installed side
by side, and the product needs neither):
- `vietnam-provinces` 0.6.0: the 63 provinces with their districts and communes before the 2025
  reorganisation (General Statistics Office codes, data of 04/01/2025);
- `vietnam-provinces` 2025.x: the 34 provinces with their communes, wards and special zones from
  01/07/2025;
- `vietnamadminunits`: its mapping of each old commune to the new one(s), compiled from the 2025
  rearrangement resolutions of the National Assembly's Standing Committee (a commune split
  between several new ones goes to the one the package marks as the default); where it says
  nothing, the new commune that kept the old one's GSO code.

The file keeps the packages' names (spacing normalised) and codes: how the product names the
agencies ("UBND xã ...") is `agencies.reference`'s business.
"""

import json
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from parindex.core.text import fold

OLD_RELEASE = "0.6.0"
NEW_RELEASE = "2025.10.1"
MAPPING_RELEASE = "1.0.4"
PACKAGES = {
    "before": ("vietnam-provinces", OLD_RELEASE),
    "after": ("vietnam-provinces", NEW_RELEASE),
    "mapping": ("vietnamadminunits", MAPPING_RELEASE),
}


@dataclass
class BuildReport:
    old_communes: int = 0
    districts: int = 0
    new_communes: int = 0
    by_resolution: int = 0  # successor from the merger resolutions (vietnamadminunits)
    by_code: int = 0  # successor from the GSO code the new commune kept
    zones: int = 0  # island districts that became special zones
    without_successor: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # a successor in another province


def tidy(name: str) -> str:
    """The package's name with its spacing normalised ("Xã  Bắc Đông Quan" has two spaces)."""
    return " ".join(unicodedata.normalize("NFC", name).split())


TYPES = ("thanh pho", "thi xa", "thi tran", "huyen", "quan", "xa", "phuong", "dac khu")


def _key(name: str) -> str:
    """Names compared across the packages: folded, apostrophes and dashes alike, "y" = "i"
    (the packages spell "Phú Quí" and "Phú Quý")."""
    key = re.sub(r"\s*[-–]\s*", "-", fold(name).replace("’", "'"))
    return key.replace("y", "i")


def _bare(name: str) -> str:
    """A unit's key without its type: "Huyện Phú Quí" and "Đặc khu Phú Quý" -> "phu qui"."""
    key = _key(name)
    for kind in TYPES:
        if key.startswith(_key(kind) + " "):
            return key[len(kind) + 1 :]
    return key


def read_divisions(wheel: Path) -> list[dict]:
    """A `vietnam-provinces` wheel's provinces, each with its districts or communes."""
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read("vietnam_provinces/data/nested-divisions.json"))


@dataclass
class Mapping:
    """The merger resolutions as `vietnamadminunits` keeps them, by GSO codes."""

    old_codes: dict[str, int]  # "province_district_ward" key -> old commune code
    new_units: dict[tuple[str, str], tuple[int, str, int]]  # (province, ward) key -> unit
    converter: dict


def read_mapping(wheel: Path) -> Mapping:
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "dataset.db"
        database.write_bytes(archive.read("vietnamadminunits/data/dataset.db"))
        converter = json.loads(archive.read("vietnamadminunits/data/converter_2025.json"))
        connection = sqlite3.connect(database)
        try:
            old_codes = {
                f"{p}_{d}_{w}": int(code)
                for p, d, w, code in connection.execute(
                    "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy"
                )
                if code
            }
            new_units = {
                (p, w): (int(province_code), ward, int(code) if code else 0)
                for p, w, province_code, ward, code in connection.execute(
                    "SELECT provinceKey, wardKey, provinceCode, ward, wardCode FROM admin_units"
                )
            }
        finally:
            connection.close()
    return Mapping(old_codes, new_units, converter)


def _new_code_of(unit: tuple[int, str, int], after: dict[int, tuple[int, str]], by_name) -> int:
    """The 2025 package's code for a unit of the mapping package (whose codes are the draft's
    for about a hundred units): the same code and name, else the same name in the province."""
    province_code, name, code = unit
    if code in after and after[code][0] == province_code and _key(after[code][1]) == _key(name):
        return code
    return by_name.get((province_code, _key(name)), 0)


def successors(mapping: Mapping, after: dict[int, tuple[int, str]]) -> dict[int, int]:
    """Old commune code -> new commune code, from the merger resolutions."""
    by_name = {(province, _key(name)): code for code, (province, name) in after.items()}
    new_code = {key: _new_code_of(unit, after, by_name) for key, unit in mapping.new_units.items()}
    links: dict[int, set[int]] = {}
    for province_key, wards in mapping.converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            target = new_code[(province_key, ward_key)]
            for old_key in old_keys:
                if target and old_key in mapping.old_codes:
                    links.setdefault(mapping.old_codes[old_key], set()).add(target)
    for province_key, old_keys in mapping.converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, options in old_keys.items():
            for option in options:
                target = new_code[(province_key, option["newWardKey"])]
                if option["isDefaultNewWard"] and target and old_key in mapping.old_codes:
                    links.setdefault(mapping.old_codes[old_key], set()).add(target)
    # A commune listed under two new ones: the one that kept its code, else the lower code.
    return {
        old: (old if old in targets else min(targets)) for old, targets in links.items() if targets
    }


def build(
    before: list[dict], after: list[dict], mapping: Mapping, provinces: dict, versions: dict
) -> tuple[dict, BuildReport]:
    """The document written to `fixtures/admin_units.json`, and what went into it."""
    report = BuildReport()
    new_units = {
        w["code"]: (p["code"], tidy(w["name"])) for p in after for w in p["wards"]
    }  # code -> (province code, name)
    resolved = successors(mapping, new_units)
    # Which 2025 unit holds each old province (provinces.json: formed_from, else itself).
    holder = {code: code for code, _name, _kind in provinces["before_2025"]}
    for unit in provinces["units_2025"]:
        for code in unit["formed_from"]:
            holder[code] = unit["code"]

    # An island district became the special zone of the same name (đặc khu, 01/07/2025).
    zones = {
        (f"{p:02d}", _bare(name)): code
        for code, (p, name) in new_units.items()
        if fold(name).startswith("dac khu ")
    }

    before_doc: dict[str, list] = {}
    for province in sorted(before, key=lambda p: p["code"]):
        code = f"{province['code']:02d}"
        districts = []
        for district in province["districts"]:
            district_name = tidy(district["name"])
            zone = zones.get((holder[code], _bare(district_name)))
            report.zones += bool(zone)
            communes = []
            for ward in district["wards"]:
                target = resolved.get(ward["code"])
                if target:
                    report.by_resolution += 1
                elif ward["code"] in new_units:
                    target = ward["code"]  # a new commune keeps one of its communes' codes
                    report.by_code += 1
                label = f"{tidy(ward['name'])} ({tidy(district['name'])}, {code})"
                if target and f"{new_units[target][0]:02d}" != holder[code]:
                    report.dropped.append(f"{label} → {new_units[target][1]}")
                    target = None
                if not target:
                    report.without_successor.append(label)
                communes.append([ward["code"], tidy(ward["name"]), target or None])
            report.old_communes += len(communes)
            districts.append([district["code"], district_name, zone, communes])
        report.districts += len(districts)
        before_doc[code] = districts

    after_doc: dict[str, list] = {}
    for province in sorted(after, key=lambda p: p["code"]):
        units = [[w["code"], tidy(w["name"])] for w in province["wards"]]
        after_doc[f"{province['code']:02d}"] = sorted(units)
        report.new_communes += len(units)

    document = {
        "_comment": (
            "Generated by `manage.py build_admin_units`; do not edit by hand. before_2025: by "
            "province, [district code, name, code of the special zone an island district "
            "became or null, [[commune code, name, code of the commune it went to on "
            "01/07/2025 or null], ...]]; after_2025: by province, [code, name] of each commune, "
            "ward and special zone. Codes are the General Statistics Office's."
        ),
        "sources": versions,
        "old_end": provinces["old_end"],
        "new_start": provinces["new_start"],
        "before_2025": before_doc,
        "after_2025": after_doc,
    }
    return document, report


def dumps(document: dict) -> str:
    """JSON with one district, or one 2025 province, a line: small diffs when data changes."""
    lines = ["{"]
    scalars = [k for k in document if k not in ("before_2025", "after_2025")]
    for key in scalars:
        lines.append(f"  {json.dumps(key)}: {json.dumps(document[key], ensure_ascii=False)},")
    for block in ("before_2025", "after_2025"):
        lines.append(f'  "{block}": {{')
        provinces = list(document[block].items())
        for index, (code, rows) in enumerate(provinces):
            lines.append(f'    "{code}": [')
            for row_index, row in enumerate(rows):
                comma = "," if row_index < len(rows) - 1 else ""
                lines.append(f"      {json.dumps(row, ensure_ascii=False)}{comma}")
            lines.append("    ]" + ("," if index < len(provinces) - 1 else ""))
        lines.append("  }" + ("," if block == "before_2025" else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"
