"""AgencyResolver on the forms of collective names real plans use, and on the names nobody could
place: those never change how a known name resolves (issue 20, items 2 and 3)."""

import datetime

import pytest

from agencies.models import Agency, CollectiveName
from plans.importing.resolve import (
    ALIASED,
    EXPANDED,
    MATCHED,
    NEW,
    RELATED_BODIES,
    AgencyResolver,
    collective_form,
)

pytestmark = pytest.mark.django_db

DAY_2022 = datetime.date(2022, 7, 1)
DEPARTMENTS = ["department", "provincial_body"]
# The departments leading an area of the PAR INDEX in 2022 (fixtures/agencies.json).
CCHC_AREA_LEADS_2022 = {
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Văn phòng UBND tỉnh",
    "Sở Tài chính",
    "Sở Thông tin và Truyền thông",
    "Sở Khoa học và Công nghệ",
    "Sở Kế hoạch và Đầu tư",
}


def in_force(province, day, kinds) -> set[str]:
    agencies = Agency.objects.valid_on(day).filter(province=province, kind__in=kinds)
    return set(agencies.filter(verified=True).values_list("name", flat=True))


def who(province, day, expected) -> set[str]:
    if expected == "departments":
        return in_force(province, day, DEPARTMENTS)
    if expected == "departments and districts":
        return in_force(province, day, [*DEPARTMENTS, "district"])
    if expected == "districts":
        return in_force(province, day, ["district"])
    if expected == "PAR INDEX area leads":
        return CCHC_AREA_LEADS_2022
    return {expected}


FORMS = [
    # Qualifiers change nothing.
    ("Các sở, ban, ngành", EXPANDED, "departments"),
    ("Các sở, ban, ngành có liên quan", EXPANDED, "departments"),
    ("Các sở, ban, ngành liên quan", EXPANDED, "departments"),
    ("Các sở, ngành có liên quan", EXPANDED, "departments"),
    ("Các sở, ban ngành liên quan", EXPANDED, "departments"),
    ("Các sở, ban, ngành trên địa bàn tỉnh", EXPANDED, "departments"),
    ("Các sở, ban, ngành tỉnh có liên quan", EXPANDED, "departments"),
    ("CÁC SỞ, BAN, NGÀNH LIÊN QUAN", EXPANDED, "departments"),
    ("Cac so, ban, nganh co lien quan", EXPANDED, "departments"),
    ("UBND cấp huyện có liên quan", EXPANDED, "districts"),
    ("UBND các huyện, thành phố trên địa bàn tỉnh", EXPANDED, "districts"),
    # "địa phương": the local governments in force, districts in 2022.
    ("Các sở, ban, ngành, địa phương", EXPANDED, "departments and districts"),
    ("Các sở, ngành, địa phương", EXPANDED, "departments and districts"),
    ("Các sở, ban, ngành, địa phương có liên quan", EXPANDED, "departments and districts"),
    ("Các sở, ban, ngành và địa phương", EXPANDED, "departments and districts"),
    ("Các sở, ngành và các địa phương liên quan", EXPANDED, "departments and districts"),
    ("Các địa phương", EXPANDED, "districts"),
    ("Các địa phương trên địa bàn tỉnh", EXPANDED, "districts"),
    # The provincial People's Committee itself: its leadership, not its office.
    ("UBND tỉnh", ALIASED, "Lãnh đạo UBND tỉnh"),
    ("UBND cấp tỉnh", ALIASED, "Lãnh đạo UBND tỉnh"),
    ("Ủy ban nhân dân tỉnh", ALIASED, "Lãnh đạo UBND tỉnh"),
    ("Ủy ban nhân dân cấp tỉnh", ALIASED, "Lãnh đạo UBND tỉnh"),
    ("Văn phòng UBND tỉnh", MATCHED, "Văn phòng UBND tỉnh"),
    # The departments that lead an area of the PAR INDEX, however the plan counts the areas.
    ("Các sở, ngành tham mưu UBND tỉnh 6 lĩnh vực CCHC", EXPANDED, "PAR INDEX area leads"),
    ("Các sở, ngành tham mưu lĩnh vực CCHC", EXPANDED, "PAR INDEX area leads"),
    ("Các sở, ngành tham mưu 08 lĩnh vực Chỉ số CCHC", EXPANDED, "PAR INDEX area leads"),
    (
        "Các sở được giao chủ trì tham mưu thực hiện 08 lĩnh vực Chỉ số CCHC của tỉnh",
        EXPANDED,
        "PAR INDEX area leads",
    ),
    (
        "Các sở, ngành phụ trách các lĩnh vực cải cách hành chính",
        EXPANDED,
        "PAR INDEX area leads",
    ),
    # The vague "related bodies": one unknown placeholder, whatever the spelling.
    ("Các cơ quan có liên quan", NEW, RELATED_BODIES),
    ("Các cơ quan liên quan", NEW, RELATED_BODIES),
    ("Các cơ quan, đơn vị liên quan", NEW, RELATED_BODIES),
    ("Các cơ quan, đơn vị có liên quan", NEW, RELATED_BODIES),
    ("Các đơn vị có liên quan", NEW, RELATED_BODIES),
    ("Cơ quan, đơn vị liên quan", NEW, RELATED_BODIES),
    ("Các cơ quan, đơn vị, địa phương liên quan", NEW, RELATED_BODIES),
    # Other unknown names stay as written.
    ("Đơn vị được kiểm tra", NEW, "Đơn vị được kiểm tra"),
    ("Các tổ chức đoàn thể", NEW, "Các tổ chức đoàn thể"),
]


@pytest.mark.parametrize(("written", "how", "expected"), FORMS)
def test_collective_forms_resolve_to_the_agencies_they_stand_for(bac_kan, written, how, expected):
    resolved = AgencyResolver(bac_kan, DAY_2022).resolve_name(written)

    assert {item.how for item in resolved} == {how}
    assert {item.name for item in resolved} == who(bac_kan, DAY_2022, expected)
    assert all(item.source == written for item in resolved)


@pytest.mark.parametrize(
    ("key", "form"),
    [
        ("cac so, ban, nganh co lien quan", "cac so ban nganh"),
        ("cac so, ban nganh va cac dia phuong tren dia ban tinh", "cac so ban nganh dia phuong"),
        ("ubnd cac huyen, thanh pho", "ubnd huyen thanh pho"),
        ("cac so, nganh tham muu ubnd tinh 6 linh vuc cchc", "cac so nganh tham muu linh vuc cchc"),
        ("cac co quan, don vi lien quan", "cac co quan don vi"),
        ("don vi duoc kiem tra", "don vi duoc kiem tra"),
    ],
)
def test_collective_form(key, form):
    assert collective_form(key) == form


def test_an_agency_joined_by_va_to_a_collective_is_that_agency_and_the_collective(bac_kan):
    resolver = AgencyResolver(bac_kan, DAY_2022)

    resolved = resolver.resolve_text("Sở Tư pháp và các sở, ban, ngành, địa phương có liên quan")

    assert (resolved[0].name, resolved[0].how) == ("Sở Tư pháp", MATCHED)
    assert {item.how for item in resolved[1:]} == {EXPANDED}
    assert {item.name for item in resolved} == who(bac_kan, DAY_2022, "departments and districts")
    assert resolver.new_agencies == []


def test_every_vague_spelling_is_one_placeholder_keeping_what_each_cell_wrote(bac_kan):
    resolver = AgencyResolver(bac_kan, DAY_2022)
    spellings = [
        "Các cơ quan có liên quan",
        "Các cơ quan, đơn vị liên quan",
        "Các đơn vị liên quan",
    ]

    mentions = [resolver.resolve_name(spelling)[0] for spelling in spellings]
    resolver.create_new_agencies()

    assert [item.name for item in resolver.new_agencies] == [RELATED_BODIES]
    assert len({item.agency.pk for item in mentions}) == 1
    assert [item.source for item in mentions] == spellings
    placeholder = Agency.objects.get(province=bac_kan, name=RELATED_BODIES)
    assert placeholder.verified is False
    # The next import finds the same placeholder, still to be reviewed.
    again = AgencyResolver(bac_kan, DAY_2022).resolve_name("Các cơ quan liên quan")
    assert [(item.how, item.agency) for item in again] == [(NEW, placeholder)]


# Unknown names never change the resolution of known ones -------------------------------------


def test_an_unverified_agency_joins_no_collective_by_its_kind(bac_kan):
    # What an older import made of a name starting with "Sở" (it guessed the kind).
    guessed = Agency.objects.create(
        province=bac_kan, name="Sở Ngoại giao tỉnh", kind="department", verified=False
    )
    district = Agency.objects.create(
        province=bac_kan, name="UBND huyện Không Rõ", kind="district", verified=False
    )
    for name in ("Các sở, ban, ngành", "Các sở, ban, ngành, địa phương", "Các địa phương"):
        collective = CollectiveName.objects.get(province=bac_kan, name=name)
        members = set(collective.expand(DAY_2022))
        assert guessed not in members and district not in members, name


def test_a_phrase_an_older_import_kept_whole_no_longer_stops_the_split(bac_kan):
    phrase = "Sở Nội vụ và các sở, ban, ngành, địa phương có liên quan"
    Agency.objects.create(province=bac_kan, name=phrase, kind="department", verified=False)

    resolved = AgencyResolver(bac_kan, DAY_2022).resolve_text(phrase)

    assert (resolved[0].name, resolved[0].how) == ("Sở Nội vụ", MATCHED)
    assert phrase not in {item.name for item in resolved}
    assert {item.how for item in resolved} == {MATCHED, EXPANDED}


def test_a_collective_that_expands_wins_over_a_placeholder_of_its_name(cao_bang):
    # Imported before any commune was known, "UBND cấp xã" became an unverified agency.
    Agency.objects.create(province=cao_bang, name="UBND cấp xã", kind="external", verified=False)
    commune = Agency.objects.create(
        province=cao_bang,
        name="UBND xã Thử Nghiệm",
        kind="commune",
        valid_from=datetime.date(2025, 7, 1),
    )

    resolved = AgencyResolver(cao_bang, datetime.date(2026, 3, 1)).resolve_name("UBND cấp xã")

    assert {(item.agency, item.how) for item in resolved} >= {(commune, EXPANDED)}
    assert "UBND cấp xã" not in {item.name for item in resolved}


def test_an_older_placeholder_is_reused_for_every_vague_spelling(bac_kan):
    older = Agency.objects.create(
        province=bac_kan, name="Các cơ quan có liên quan", kind="external", verified=False
    )
    resolver = AgencyResolver(bac_kan, DAY_2022)

    resolved = resolver.resolve_name("Các cơ quan, đơn vị liên quan")
    resolver.create_new_agencies()

    assert [(item.agency, item.how) for item in resolved] == [(older, NEW)]
    assert not Agency.objects.filter(province=bac_kan, name=RELATED_BODIES).exists()


def test_a_placeholder_a_reviewer_verified_is_matched_by_every_vague_spelling(bac_kan):
    settled = Agency.objects.create(
        province=bac_kan, name="Các cơ quan có liên quan", kind="external", verified=True
    )

    resolved = AgencyResolver(bac_kan, DAY_2022).resolve_name("Các đơn vị có liên quan")

    assert [(item.agency, item.how) for item in resolved] == [(settled, MATCHED)]


def test_an_unknown_name_found_again_is_still_reported_unverified(bac_kan):
    older = Agency.objects.create(
        province=bac_kan, name="Thanh tra huyện/thành phố", kind="external", verified=False
    )
    resolver = AgencyResolver(bac_kan, DAY_2022)

    resolved = resolver.resolve_name("Thanh tra huyện/thành phố")

    assert [(item.agency, item.how) for item in resolved] == [(older, NEW)]
    assert [item.name for item in resolver.new_agencies] == ["Thanh tra huyện/thành phố"]
