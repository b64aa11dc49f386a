"""CollectiveName.expand: the local governments in force, listed members, unverified agencies."""

import datetime
import io

import pytest
from django.core.management import call_command

from agencies.models import Agency, CollectiveName

pytestmark = pytest.mark.django_db

DAY_2022, DAY_2026 = datetime.date(2022, 7, 1), datetime.date(2026, 3, 1)
LAST_DISTRICT_DAY, FIRST_NEW_COMMUNE_DAY = datetime.date(2025, 6, 30), datetime.date(2025, 7, 1)


@pytest.fixture
def local_governments(cao_bang):
    """A district and a commune of Cao Bằng before the 2025 changes, and a commune after."""

    def make(name, kind, **dates):
        return Agency.objects.create(province=cao_bang, name=name, kind=kind, **dates)

    return {
        "district": make("UBND huyện Thử Nghiệm", "district", valid_to=LAST_DISTRICT_DAY),
        "old commune": make("UBND xã Cũ Thử Nghiệm", "commune", valid_to=LAST_DISTRICT_DAY),
        "new commune": make("UBND xã Mới Thử Nghiệm", "commune", valid_from=FIRST_NEW_COMMUNE_DAY),
    }


def test_local_governments_are_the_districts_until_july_2025_and_the_communes_after(
    cao_bang, local_governments
):
    localities = CollectiveName.objects.get(province=cao_bang, name="Các địa phương")
    district, old, new = local_governments.values()

    assert set(localities.expand(DAY_2022)) >= {district}
    assert not set(localities.expand(DAY_2022)) & {old, new}
    assert set(localities.expand(LAST_DISTRICT_DAY)) >= {district}
    assert set(localities.expand(FIRST_NEW_COMMUNE_DAY)) >= {new}
    assert not set(localities.expand(DAY_2026)) & {district, old}


def test_departments_and_localities_of_the_day(cao_bang, local_governments):
    collective = CollectiveName.objects.get(
        province=cao_bang, name="Các sở, ban, ngành, địa phương"
    )

    in_2022 = set(collective.expand(DAY_2022).values_list("name", flat=True))
    in_2026 = set(collective.expand(DAY_2026).values_list("name", flat=True))

    assert {"Sở Kế hoạch và Đầu tư", "Văn phòng UBND tỉnh", "UBND huyện Thử Nghiệm"} <= in_2022
    assert "UBND xã Mới Thử Nghiệm" not in in_2022
    assert {"Sở Nông nghiệp và Môi trường", "UBND xã Mới Thử Nghiệm"} <= in_2026
    assert not {"Sở Kế hoạch và Đầu tư", "UBND huyện Thử Nghiệm"} & in_2026
    assert "Cục Thuế tỉnh" not in in_2022  # an external body is no sở, ban, ngành


def test_unverified_agencies_join_no_collective_by_kind_but_listed_ones_do(cao_bang):
    departments = CollectiveName.objects.get(province=cao_bang, name="Các sở, ban, ngành")
    unverified = Agency.objects.create(
        province=cao_bang, name="Sở Chưa Xác Minh", kind="department", verified=False
    )
    assert unverified not in set(departments.expand(DAY_2022))

    departments.members.add(unverified)  # a reviewer's explicit choice
    assert unverified in set(departments.expand(DAY_2022))


def test_par_index_area_leads_default_to_the_departments_leading_an_area(cao_bang):
    leads = CollectiveName.objects.get(
        province=cao_bang, name="Các sở, ngành tham mưu lĩnh vực CCHC"
    )

    assert leads.member_kinds == []
    assert set(leads.expand(DAY_2022).values_list("name", flat=True)) == {
        "Sở Nội vụ",
        "Sở Tư pháp",
        "Văn phòng UBND tỉnh",
        "Sở Tài chính",
        "Sở Thông tin và Truyền thông",
        "Sở Khoa học và Công nghệ",
        "Sở Kế hoạch và Đầu tư",
    }
    # After the 2025 mergers the members that ended drop out by themselves.
    assert set(leads.expand(DAY_2026).values_list("name", flat=True)) == {
        "Sở Nội vụ",
        "Sở Tư pháp",
        "Văn phòng UBND tỉnh",
        "Sở Tài chính",
        "Sở Khoa học và Công nghệ",
    }


def test_reloading_the_reference_keeps_the_members_sở_nội_vụ_chose(cao_bang):
    leads = CollectiveName.objects.get(
        province=cao_bang, name="Các sở, ngành tham mưu lĩnh vực CCHC"
    )
    leads.members.set(Agency.objects.filter(province=cao_bang, name__in=["Sở Nội vụ", "Sở Y tế"]))

    call_command("load_reference", stdout=io.StringIO())

    assert set(leads.members.values_list("name", flat=True)) == {"Sở Nội vụ", "Sở Y tế"}
