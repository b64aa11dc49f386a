"""Shared fixtures: reference data loaded once per test session, and named personas.

Personas (all in Bắc Kạn, the province of the seed plans):
- `reviewer`: Sở Nội vụ reviewer; `leader`: read-only provincial leadership;
- `staff_tuphap` and `staff_taichinh`: staff of two different agencies;
- `administrator`: system administrator; `other_reviewer`: Sở Nội vụ reviewer of Cao Bằng.
"""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from agencies.models import Agency, Membership, Province
from agencies.services import user_with_membership_upsert

PASSWORD = "test-pass-123"


def pytest_sessionfinish(session):
    """On a pytest-xdist worker: send the import fuzz counts to the controller, which prints them."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        from tests.plans.fuzz import STATS

        workeroutput["import_fuzz"] = STATS


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the pytest-xdist controller: a worker finished; add its fuzz counts."""
    from tests.plans.fuzz import merge

    merge(getattr(node, "workeroutput", {}).get("import_fuzz", {}))


def pytest_terminal_summary(terminalreporter):
    """Print how many cases the import fuzz tests ran (shown without -s, e.g. in make test)."""
    from tests.plans.fuzz import STATS

    if not STATS:
        return
    terminalreporter.section("import fuzz")
    for name, stats in STATS.items():
        slowest, label = stats["slowest"]
        terminalreporter.write_line(
            f"{name}: {stats['cases']} cases ({stats['refused']} refused with a message, "
            f"{stats['imported']} imported) in {stats['seconds']:.1f} s; "
            f"slowest {slowest:.1f} s ({label})"
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # The API's request counts (throttling) live in the cache: each test starts with none.
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Evidence and the files the job worker builds never land in the checkout's var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def bac_kan(db) -> Province:
    return Province.objects.get(slug="06-bac-kan")


@pytest.fixture
def cao_bang(db) -> Province:
    return Province.objects.get(slug="04-cao-bang")


def agency(province: Province, name: str) -> Agency:
    return Agency.objects.get(province=province, name=name)


def _persona(username, role, agency_obj):
    return user_with_membership_upsert(
        username=username, password=PASSWORD, full_name=username, role=role, agency=agency_obj
    )


@pytest.fixture
def reviewer(bac_kan):
    return _persona("noivu", Membership.Role.REVIEWER, agency(bac_kan, "Sở Nội vụ"))


@pytest.fixture
def leader(bac_kan):
    return _persona("lanhdao", Membership.Role.LEADER, agency(bac_kan, "Lãnh đạo UBND tỉnh"))


@pytest.fixture
def staff_tuphap(bac_kan):
    return _persona("tuphap", Membership.Role.STAFF, agency(bac_kan, "Sở Tư pháp"))


@pytest.fixture
def staff_taichinh(bac_kan):
    return _persona("taichinh", Membership.Role.STAFF, agency(bac_kan, "Sở Tài chính"))


@pytest.fixture
def administrator(db):
    return _persona("quantri", Membership.Role.ADMIN, None)


@pytest.fixture
def other_reviewer(cao_bang):
    return _persona("noivu_caobang", Membership.Role.REVIEWER, agency(cao_bang, "Sở Nội vụ"))
