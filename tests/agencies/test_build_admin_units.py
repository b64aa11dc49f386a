"""`build_admin_units` on small wheels made here: what it keeps of each package and how it
links an old commune to the new one (the real wheels come from PyPI; see the README)."""

import io
import json
import sqlite3
import zipfile

from django.core.management import call_command

DIVISIONS = "vietnam_provinces/data/nested-divisions.json"


def wheel(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def mapping_database(tmp_path) -> bytes:
    path = tmp_path / "dataset.db"
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE admin_units_legacy (provinceKey, districtKey, wardKey, wardCode)"
    )
    connection.execute(
        "CREATE TABLE admin_units (provinceKey, wardKey, provinceCode, ward, wardCode)"
    )
    connection.executemany(
        "INSERT INTO admin_units_legacy VALUES (?, ?, ?, ?)",
        [
            ("tinhbackan", "huyenbabe", "xanammau", "01843"),
            ("tinhbackan", "huyenbabe", "xakhanghinh", "01846"),
            ("tinhbackan", "huyenbabe", "xadiaphuc", "01849"),
        ],
    )
    connection.executemany(
        "INSERT INTO admin_units VALUES (?, ?, ?, ?, ?)",
        [
            ("tinhthainguyen", "xababe", "19", "Xã Ba Bể", "01843"),
            # A draft code: the 2025 package has 01849 for this one, found by name.
            ("tinhthainguyen", "xacholeo", "19", "Xã Chợ Leo", "09999"),
        ],
    )
    connection.commit()
    connection.close()
    return path.read_bytes()


def test_build_keeps_codes_and_names_and_links_each_commune_to_the_one_it_went_to(tmp_path):
    before = [
        {
            "code": 6,
            "name": "Tỉnh Bắc Kạn",
            "districts": [
                {
                    "code": 58,
                    "name": "Huyện Ba Bể",
                    "wards": [
                        {"code": 1843, "name": "Xã Nam Mẫu"},
                        {"code": 1846, "name": "Xã Khang Ninh"},
                        {"code": 1849, "name": "Xã  Địa Phúc"},
                    ],
                }
            ],
        },
        {
            "code": 77,
            "name": "Tỉnh Bà Rịa - Vũng Tàu",
            "districts": [{"code": 755, "name": "Huyện Côn Đảo", "wards": []}],
        },
    ]
    after = [
        {
            "code": 19,
            "name": "Thái Nguyên",
            "wards": [{"code": 1843, "name": "Xã Ba Bể"}, {"code": 1849, "name": "Xã Chợ  Leo"}],
        },
        {
            "code": 79,
            "name": "Thành phố Hồ Chí Minh",
            "wards": [{"code": 26732, "name": "Đặc khu Côn Đảo"}],
        },
    ]
    converter = {
        "DICT_PROVINCE": {},
        "DICT_PROVINCE_WARD_NO_DIVIDED": {
            "tinhthainguyen": {"xababe": ["tinhbackan_huyenbabe_xanammau"]}
        },
        "DICT_PROVINCE_WARD_DIVIDED": {
            "tinhthainguyen": {
                "tinhbackan_huyenbabe_xakhanghinh": [
                    {"newWardKey": "xababe", "isDefaultNewWard": False},
                    {"newWardKey": "xacholeo", "isDefaultNewWard": True},
                ]
            }
        },
    }
    wheel(tmp_path / "vietnam_provinces-0.6.0-py3-none-any.whl", {DIVISIONS: json.dumps(before)})
    wheel(tmp_path / "vietnam_provinces-2025.10.1-py3-none-any.whl", {DIVISIONS: json.dumps(after)})
    wheel(
        tmp_path / "vietnamadminunits-1.0.4-py3-none-any.whl",
        {
            "vietnamadminunits/data/dataset.db": mapping_database(tmp_path),
            "vietnamadminunits/data/converter_2025.json": json.dumps(converter),
        },
    )
    output = tmp_path / "admin_units.json"
    out = io.StringIO()
    call_command("build_admin_units", wheels=tmp_path, output=output, stdout=out)

    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["sources"]["before"] == "vietnam-provinces==0.6.0"
    assert (document["old_end"], document["new_start"]) == ("2025-06-30", "2025-07-01")
    assert document["before_2025"]["06"] == [
        [
            58,
            "Huyện Ba Bể",
            None,
            [
                [1843, "Xã Nam Mẫu", 1843],  # the resolutions: into xã Ba Bể
                [1846, "Xã Khang Ninh", 1849],  # split: its main part went to xã Chợ Leo
                [1849, "Xã Địa Phúc", 1849],  # not in the resolutions: the code it kept
            ],
        ]
    ]
    assert document["before_2025"]["77"] == [[755, "Huyện Côn Đảo", 26732, []]]  # a special zone
    assert document["after_2025"]["19"] == [[1843, "Xã Ba Bể"], [1849, "Xã Chợ Leo"]]
    assert "2 có đơn vị kế thừa theo nghị quyết sắp xếp, 1 theo mã giữ lại" in out.getvalue()
