"""Reference data: provinces before and after 2025, standard agencies, succession, collectives."""

import datetime
import io

import pytest
from django.core.management import call_command

from agencies.models import Agency, AgencyAlias, CollectiveName, Province
from agencies.reference import reference_agencies_load
from parindex.indices.models import Criterion, CriterionScore, Edition, Index, Result

pytestmark = pytest.mark.django_db

BEFORE = datetime.date(2025, 6, 30)
AFTER = datetime.date(2025, 7, 1)


def counts():
    models = [
        Province,
        Agency,
        AgencyAlias,
        CollectiveName,
        Index,
        Edition,
        Criterion,
        Result,
        CriterionScore,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_loading_twice_creates_no_duplicates():
    before = counts()
    call_command("load_reference", stdout=io.StringIO())
    call_command("load_reference", stdout=io.StringIO())
    assert counts() == before
    assert before["Province"] == 63 + 23  # 11 of the 34 units are old provinces that continue


def test_63_provinces_before_the_merger_and_34_after():
    assert Province.objects.valid_on(BEFORE).count() == 63
    assert Province.objects.valid_on(AFTER).count() == 34


def test_bac_kan_was_merged_into_thai_nguyen():
    bac_kan = Province.objects.get(code="06")
    assert bac_kan.valid_to == BEFORE
    assert bac_kan.merged_into.name == "Thái Nguyên"
    assert bac_kan.merged_into.valid_from == AFTER
    assert bac_kan.current() == bac_kan.merged_into


def test_old_and_new_thai_nguyen_share_name_and_code_but_are_two_units():
    both = Province.objects.filter(name="Thái Nguyên", code="19")
    assert both.count() == 2
    old, new = both.get(valid_from__isnull=True), both.get(valid_from=AFTER)
    assert old.merged_into == new
    assert set(new.merged_from.values_list("name", flat=True)) == {"Bắc Kạn", "Thái Nguyên"}


def test_unchanged_province_continues_as_one_record():
    cao_bang = Province.objects.get(code="04")
    assert cao_bang.valid_to is None and cao_bang.merged_into is None
    assert cao_bang.current() == cao_bang


def test_planning_department_of_bac_kan_passes_to_finance_then_to_thai_nguyen():
    bac_kan = Province.objects.get(code="06")
    planning = Agency.objects.get(province=bac_kan, name="Sở Kế hoạch và Đầu tư")
    assert planning.valid_to == datetime.date(2025, 2, 28)
    assert planning.successor == Agency.objects.get(province=bac_kan, name="Sở Tài chính")
    today = planning.current()
    assert (today.name, today.province.name, today.province.valid_from) == (
        "Sở Tài chính",
        "Thái Nguyên",
        AFTER,
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ"),
        ("Sở Tài nguyên và Môi trường", "Sở Nông nghiệp và Môi trường"),
        ("Sở Nông nghiệp và Phát triển nông thôn", "Sở Nông nghiệp và Môi trường"),
        ("Sở Giao thông vận tải", "Sở Xây dựng"),
        ("Sở Lao động - Thương binh và Xã hội", "Sở Nội vụ"),
    ],
)
def test_department_mergers_of_2025_in_an_unchanged_province(old, new):
    cao_bang = Province.objects.get(code="04")
    merged = Agency.objects.get(province=cao_bang, name=old)
    assert merged.successor.name == new
    assert merged.successor.province == cao_bang
    assert merged.successor.valid_to is None


def test_new_units_have_only_the_departments_that_exist_after_2025():
    thai_nguyen = Province.objects.get(code="19", valid_from=AFTER)
    names = set(thai_nguyen.agencies.values_list("name", flat=True))
    assert "Sở Nông nghiệp và Môi trường" in names
    assert "Sở Kế hoạch và Đầu tư" not in names
    assert "Báo Thái Nguyên" in names


def test_every_province_has_the_standard_bodies_from_one_list():
    for province in Province.objects.valid_on(BEFORE):
        assert province.agencies.filter(name="Sở Nội vụ").exists(), province


def test_collective_name_expands_to_the_departments_of_the_day():
    bac_kan = Province.objects.get(code="06")
    departments = CollectiveName.objects.get(province=bac_kan, name="Các sở, ban, ngành")
    in_2022 = set(departments.expand(datetime.date(2022, 7, 1)).values_list("name", flat=True))
    in_april_2025 = set(
        departments.expand(datetime.date(2025, 4, 1)).values_list("name", flat=True)
    )
    assert {"Sở Kế hoạch và Đầu tư", "Sở Tư pháp", "Văn phòng UBND tỉnh"} <= in_2022
    assert "Sở Nông nghiệp và Môi trường" not in in_2022
    assert "Sở Kế hoạch và Đầu tư" not in in_april_2025
    assert "Sở Nông nghiệp và Môi trường" in in_april_2025
    # External bodies (Công an, Cục Thuế) are not "sở, ban, ngành".
    assert "Cục Thuế tỉnh" not in in_2022


def test_districts_of_bac_kan_end_with_the_district_level():
    bac_kan = Province.objects.get(code="06")
    districts = CollectiveName.objects.get(province=bac_kan, name="UBND cấp huyện")
    assert districts.expand(datetime.date(2022, 1, 1)).count() == 8
    assert districts.expand(AFTER).count() == 0


# Districts and communes (fixtures/admin_units.json, from the vietnam-provinces package) -----


def expand(province: Province, name: str, day: datetime.date) -> list[str]:
    collective = CollectiveName.objects.get(province=province, name=name)
    return list(collective.expand(day).values_list("name", flat=True))


def test_bac_kan_in_2022_has_its_8_district_level_units_and_108_communes():
    bac_kan = Province.objects.get(code="06")
    day = datetime.date(2022, 7, 1)
    assert sorted(expand(bac_kan, "UBND cấp huyện", day)) == [
        "UBND huyện Ba Bể",
        "UBND huyện Bạch Thông",
        "UBND huyện Chợ Mới",
        "UBND huyện Chợ Đồn",
        "UBND huyện Na Rì",
        "UBND huyện Ngân Sơn",
        "UBND huyện Pác Nặm",
        "UBND thành phố Bắc Kạn",
    ]
    communes = expand(bac_kan, "UBND cấp xã", day)
    assert len(communes) == len(set(communes)) == 108
    assert {"UBND xã Nam Cường", "UBND phường Sông Cầu", "UBND thị trấn Chợ Rã"} <= set(communes)
    # Bắc Kạn merged into Thái Nguyên: it has no commune of its own after 30/06/2025.
    assert expand(bac_kan, "UBND cấp xã", AFTER) == []


@pytest.mark.parametrize(("code", "communes"), [("04", 56), ("42", 69)])
def test_a_province_that_did_not_merge_has_its_communes_of_2026_and_no_district(code, communes):
    province = Province.objects.get(code=code, valid_from__isnull=True)
    day = datetime.date(2026, 3, 1)
    assert len(expand(province, "UBND cấp xã", day)) == communes
    assert expand(province, "UBND cấp huyện", day) == []
    # The same record held its districts and its old communes until 30/06/2025.
    assert len(expand(province, "UBND cấp huyện", BEFORE)) > 0
    assert set(expand(province, "UBND cấp xã", BEFORE)).isdisjoint(
        expand(province, "UBND cấp xã", day)
    )


def test_the_whole_country_before_and_after_the_2025_changes():
    units = Agency.objects.filter(verified=True)
    assert units.filter(kind=Agency.Kind.DISTRICT).valid_on(BEFORE).count() == 696
    assert units.filter(kind=Agency.Kind.DISTRICT).valid_on(AFTER).count() == 0
    assert units.filter(kind=Agency.Kind.COMMUNE).valid_on(BEFORE).count() == 10051
    assert units.filter(kind=Agency.Kind.COMMUNE).valid_on(AFTER).count() == 3321
    # Every current commune belongs to one of the 34 units in force.
    current = Province.objects.valid_on(AFTER)
    assert not units.filter(kind=Agency.Kind.COMMUNE, valid_from=AFTER).exclude(
        province__in=current
    )


def test_validity_dates_of_districts_and_communes():
    bac_kan = Province.objects.get(code="06")
    thai_nguyen = Province.objects.get(code="19", valid_from=AFTER)
    district = Agency.objects.get(province=bac_kan, name="UBND huyện Ba Bể")
    old = Agency.objects.get(province=bac_kan, name="UBND phường Sông Cầu")
    new = Agency.objects.get(province=thai_nguyen, name="UBND phường Bắc Kạn")
    assert (district.kind, district.valid_from, district.valid_to) == ("district", None, BEFORE)
    assert (old.kind, old.valid_from, old.valid_to) == ("commune", None, BEFORE)
    assert (new.kind, new.valid_from, new.valid_to) == ("commune", AFTER, None)


def test_an_old_commune_passes_to_the_commune_it_went_to():
    bac_kan = Province.objects.get(code="06")
    # Nghị quyết 1683/NQ-UBTVQH15: phường Sông Cầu, Phùng Chí Kiên, Xuất Hóa and xã Nông
    # Thượng became phường Bắc Kạn of Thái Nguyên.
    for name in ("UBND phường Sông Cầu", "UBND phường Phùng Chí Kiên", "UBND phường Xuất Hóa"):
        successor = Agency.objects.get(province=bac_kan, name=name).successor
        assert (successor.name, successor.province.slug) == (
            "UBND phường Bắc Kạn",
            "19-thai-nguyen-2025",
        )
    chora = Agency.objects.get(province=bac_kan, name="UBND thị trấn Chợ Rã")
    assert chora.current().name == "UBND xã Chợ Rã"
    # In a province that did not merge, the old commune and the new one are in one record.
    cao_bang = Province.objects.get(code="04")
    old = Agency.objects.get(province=cao_bang, name="UBND xã Cô Ba (huyện Bảo Lạc)")
    assert (old.successor.name, old.successor.province) == ("UBND xã Cô Ba", cao_bang)


def test_a_district_passes_to_no_one_unless_it_became_a_special_zone():
    bac_kan = Province.objects.get(code="06")
    assert Agency.objects.get(province=bac_kan, name="UBND huyện Ba Bể").successor is None
    con_dao = Agency.objects.get(name="UBND huyện Côn Đảo")
    assert con_dao.province.name == "Bà Rịa - Vũng Tàu"
    zone = con_dao.successor
    assert (zone.name, zone.kind, zone.province.name) == (
        "UBND đặc khu Côn Đảo",
        "commune",
        "Hồ Chí Minh",
    )


def test_communes_sharing_a_name_are_told_apart_by_their_district():
    cao_bang = Province.objects.get(code="04")
    # The old xã Cô Ba and the new one that kept its name live in the same province record.
    names = set(
        cao_bang.agencies.filter(search_name__startswith="ubnd xa co ba").values_list(
            "name", flat=True
        )
    )
    assert names == {"UBND xã Cô Ba", "UBND xã Cô Ba (huyện Bảo Lạc)"}
    # Two old communes of one province with one name: Hà Nội's two phường Minh Khai.
    ha_noi = Province.objects.get(code="01")
    assert {
        "UBND phường Minh Khai (quận Bắc Từ Liêm)",
        "UBND phường Minh Khai (quận Hai Bà Trưng)",
    } <= set(ha_noi.agencies.values_list("name", flat=True))


def test_plans_shorten_the_cities_of_a_province():
    bac_kan = Province.objects.get(code="06")
    aliases = AgencyAlias.objects.filter(agency__name="UBND thành phố Bắc Kạn")
    assert set(aliases.values_list("alias", flat=True)) == {"UBND TP Bắc Kạn", "UBND TP. Bắc Kạn"}
    assert aliases.first().agency.province == bac_kan


def test_a_second_load_writes_nothing_in_a_handful_of_queries(django_assert_max_num_queries):
    # Provinces, agencies, aliases and collective names: each read once, whatever their number.
    with django_assert_max_num_queries(8):
        report = reference_agencies_load()
    assert (report.created, report.updated) == ({}, {})


def test_a_placeholder_named_like_a_commune_becomes_that_commune():
    """An import may have kept "UBND xã Nam Cường" as an unknown name before the communes were
    reference data: loading them makes that row the commune, assignments and all."""
    bac_kan = Province.objects.get(code="06")
    commune = Agency.objects.get(province=bac_kan, name="UBND xã Nam Cường")
    commune.verified, commune.kind, commune.valid_to = False, Agency.Kind.EXTERNAL, None
    commune.save()
    report = reference_agencies_load()
    assert report.updated == {"agency": 1}
    commune.refresh_from_db()
    assert (commune.verified, commune.kind, commune.valid_to) == (True, "commune", BEFORE)


def test_abbreviations_are_aliases_matched_without_case_or_diacritics():
    bac_kan = Province.objects.get(code="06")
    alias = AgencyAlias.objects.get(agency__province=bac_kan, search_alias="so kh&dt")
    assert alias.agency.name == "Sở Kế hoạch và Đầu tư"


def test_bac_kan_results_from_the_seeds():
    par = Result.objects.get(index__code="PAR", year=2021, province__code="06")
    assert (float(par.total), par.rank, par.rank_of, par.rank_change) == (84.69, 54, 63, 5)
    assert float(par.total_change) == 6.12
    sipas = Result.objects.get(index__code="SIPAS", year=2021, province__code="06")
    assert (float(sipas.total), sipas.rank, sipas.rank_change) == (88.27, 20, -3)
    papi = Result.objects.get(index__code="PAPI", year=2016, province__code="06")
    assert (float(papi.total), float(papi.maximum), papi.band) == (35.61, 60, "Trung bình thấp")
    scores = {s.criterion.name: float(s.achieved) for s in papi.scores.select_related("criterion")}
    assert scores["Tham gia của người dân ở cấp cơ sở"] == 5.35
    assert scores["Cung ứng dịch vụ công"] == 6.68
    assert len(scores) == 6


def test_editions_pick_the_methodology_of_the_year():
    papi = Index.objects.get(code="PAPI")
    assert papi.edition_for(2016).criteria.count() == 6
    assert papi.edition_for(2018).criteria.count() == 8
    par = Index.objects.get(code="PAR")
    assert par.edition_for(2023).decision_number == "876/QĐ-BNV"
