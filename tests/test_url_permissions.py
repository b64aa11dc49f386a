"""Every URL pattern × every role: who gets in, who is refused, and that a refusal changes nothing.

The test walks the whole URLconf (`get_resolver()`, includes and the admin's own patterns), so a
new page is covered the day it is added: a pattern without an entry in `EXPECTED` fails with a
message saying to add one. Each pattern is requested with real objects (a plan, a task led by
Sở Tư pháp with a completion waiting for review and its evidence and a score statement waiting
for a decision, an annex import preview, a results workbook preview, a criterion to link, a
reporting period, a task withdrawn from its plan) by seven people: anonymous, staff of the
agency that owns the work, staff of an agency that owns nothing of it, a Sở Nội vụ reviewer of
another province, the leader, the reviewer and an administrator. Every request runs in a
savepoint that is rolled back, so each starts from the same data; the data is compared before
and after inside the savepoint: a refused POST must change nothing, an allowed one must change
something (so a payload that silently failed would show).
"""

import copy
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from agencies.models import Agency, AgencyAlias, CollectiveName
from parindex.indices.models import (
    Criterion,
    CriterionImport,
    CriterionScore,
    Edition,
    Index,
    RejectedSuggestion,
    Result,
    ResultImport,
    StatementDecision,
)
from plans.api.models import ApiToken
from plans.api.services import api_token_create
from plans.criteria.linking import suggestions_for_tasks
from plans.criteria.services import criteria_import_preview, result_import_preview
from plans.files.export import plan_export_xlsx
from plans.files.jobs import file_job_request
from plans.files.kinds import FILE_KINDS, ReportParams
from plans.importing.scores import find_score_statements
from plans.importing.sync import score_as_dict
from plans.models import (
    Assignment,
    DeadlineExtension,
    Evidence,
    FileJob,
    ImportRun,
    Plan,
    ProgressUpdate,
    ReportingPeriod,
    Section,
    Task,
)
from plans.services import (
    assignment_record_progress,
    deadline_extension_request,
    import_preview,
)
from tests.conftest import agency
from tests.downloads import run_worker_once
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
RESULTS_WORKBOOK = (
    Path(__file__).resolve().parents[1] / "fixtures" / "results" / "bac-kan-papi-2016.xlsx"
)
CRITERIA_WORKBOOK = (
    Path(__file__).resolve().parents[1] / "fixtures" / "criteria" / "par-index-2020-2021-mau.xlsx"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Written by Sở Tư pháp on its own assignment: only those who may see the task may read it.
SECRET_NOTE = "Ghi chu noi bo cua So Tu phap 7f3a"
SECRET_FILE = "bien-ban-noi-bo-7f3a.pdf"

ANON, STAFF_A, STAFF_B, OTHER, LEADER, REVIEWER, ADMIN = ROLES = (
    "anonymous",
    "staff of the owning agency (Sở Tư pháp)",
    "staff of another agency (Sở Tài chính)",
    "reviewer of another province (Cao Bằng)",
    "leader",
    "reviewer (Sở Nội vụ)",
    "administrator",
)
# Who may not read Sở Tư pháp's progress note or evidence on any page.
OUTSIDERS = (ANON, STAFF_B, OTHER)

# Outcomes: an HTTP status, or one of these.
LOGIN = "redirected to the login page"
ADMIN_LOGIN = "redirected to the admin login page"
DONE = "done (302 or 303 elsewhere than a login page, data changed)"
IN = "let in (not sent to the admin login, no error)"
API_DONE = "done (200 or 201, data changed)"


def each(outcome):
    return dict.fromkeys(ROLES, outcome)


def logged_in(outcome):
    return {ANON: LOGIN, **dict.fromkeys(ROLES[1:], outcome)}


def roles(anon, staff_a, staff_b, other, leader, reviewer, admin):
    return dict(zip(ROLES, (anon, staff_a, staff_b, other, leader, reviewer, admin), strict=True))


POST_ONLY_GET = each(405)  # @require_POST is the outermost decorator: even anonymous gets 405


@dataclass
class Expect:
    """What each role gets from one URL pattern. `kwargs(world)` fills the pattern's parameters
    (a list of dicts: each is requested); `post(world)` is a valid payload for a mutating view."""

    get: dict | None = None
    post: dict | None = None
    # PUT, PATCH and DELETE (the API's routes: none of them accepts any; refused, nothing changed).
    others: dict | None = None
    kwargs: object = lambda world: [{}]
    payload: object = lambda world: {}
    query: str = ""


DASHBOARD_ROLES = roles(LOGIN, 403, 403, 200, 200, 200, 200)  # other province: its own data

EXPECTED: dict[str, Expect] = {
    # The project's own pages ----------------------------------------------------------------
    "home": Expect(get=logged_in(200)),
    "indices": Expect(get=DASHBOARD_ROLES),
    # Django's auth views: public pages, or login-only for changing one's password.
    "login": Expect(get=each(200)),
    "logout": Expect(get=each(405), post=each(LOGIN)),
    "password_change": Expect(get=logged_in(200)),
    "password_change_done": Expect(get=logged_in(200)),
    "password_reset": Expect(get=each(200)),
    "password_reset_done": Expect(get=each(200)),
    "password_reset_confirm": Expect(
        get=each(200), kwargs=lambda w: [{"uidb64": "MQ", "token": "set-password"}]
    ),
    "password_reset_complete": Expect(get=each(200)),
    # Plans.
    "plans:dashboard": Expect(get=DASHBOARD_ROLES),
    "plans:period_list": Expect(
        get=DASHBOARD_ROLES,
        # Cao Bằng's reviewer cannot choose Bắc Kạn: the form refuses it (200 with the error).
        post=roles(LOGIN, 403, 403, 200, 403, DONE, DONE),
        payload=lambda w: {"province": w.province.pk, "year": TODAY.year, "period": "H1"},
    ),
    "plans:period_detail": Expect(
        get=roles(LOGIN, 403, 403, 404, 200, 200, 200), kwargs=lambda w: [{"pk": w.period.pk}]
    ),
    # The GET is the confirmation step (how many agencies and addresses); the POST with
    # confirm=1 sends.
    "plans:period_remind": Expect(
        get=roles(LOGIN, 403, 403, 404, 403, 200, 200),
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        payload=lambda w: {"confirm": "1"},
        kwargs=lambda w: [{"pk": w.period.pk}],
    ),
    # A file is asked for by POST: a job is queued (a FileJob: "data changed") and the user
    # sent to its page; a refusal queues nothing. A GET changes nothing: the same checks, and
    # the page with the button.
    "plans:report_download": Expect(
        get=roles(LOGIN, 403, 403, 404, 200, 200, 200),
        post=roles(LOGIN, 403, 403, 404, DONE, DONE, DONE),
        kwargs=lambda w: [
            {"subject": f"plan-{w.plan.pk}", "period": f"{TODAY.year}-Y", "extension": "xlsx"},
            {
                "subject": f"province-{w.province.pk}",
                "period": f"{TODAY.year}-H1",
                "extension": "docx",
            },
        ],
    ),
    "plans:task_list": Expect(get=logged_in(200)),
    "plans:task_export": Expect(get=logged_in(200), post=logged_in(DONE)),
    # A requested file (the reviewer's report, built): its requester only, administrators
    # included, everyone else is told it does not exist.
    "plans:file_job_list": Expect(get=logged_in(200)),
    "plans:file_job": Expect(
        get=roles(LOGIN, 404, 404, 404, 404, 200, 404), kwargs=lambda w: [{"pk": w.job.pk}]
    ),
    "plans:file_job_download": Expect(
        get=roles(LOGIN, 404, 404, 404, 404, 200, 404), kwargs=lambda w: [{"pk": w.job.pk}]
    ),
    "plans:task_detail": Expect(
        get=roles(LOGIN, 200, 404, 404, 200, 200, 200), kwargs=lambda w: [{"pk": w.task.pk}]
    ),
    # A task withdrawn from its plan is put back by Sở Nội vụ of its province or an
    # administrator; staff and leaders are refused before the task is looked up (403), Cao
    # Bằng's reviewer does not see it (404).
    "plans:task_restore": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.withdrawn_task.pk}],
    ),
    "plans:assignment_progress": Expect(
        get=POST_ONLY_GET,
        # Only the owning agency reports; reviewers, leaders and administrators do not.
        post=roles(LOGIN, DONE, 404, 404, 403, 403, 403),
        kwargs=lambda w: [{"pk": w.assignment.pk}],
        payload=lambda w: {
            "status": "in_progress",
            "note": "Đang bổ sung hồ sơ",
            "completed_on": "",
            "period": "",
            "version": w.assignment.version,
            "files": [SimpleUploadedFile("bo-sung.pdf", PDF)],
        },
    ),
    "plans:assignment_review": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 404, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.assignment.pk}],
        payload=lambda w: {"decision": "confirm", "note": "", "version": w.assignment.version},
    ),
    # Deadline extensions: the owning agency's staff ask (on its open overdue task); Sở Nội vụ
    # of the province and administrators decide. The others see the task but are refused
    # (403), or do not see it (404).
    "plans:extension_request": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, DONE, 404, 404, 403, 403, 403),
        kwargs=lambda w: [{"pk": w.open_assignment.pk}],
        payload=lambda w: {
            "requested_due": (TODAY + datetime.timedelta(days=30)).strftime("%d/%m/%Y"),
            "reason": "Chờ ý kiến của Bộ",
        },
    ),
    "plans:extension_decide": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 404, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.extension.pk}],
        payload=lambda w: {"decision": "grant", "note": ""},
    ),
    "plans:evidence_download": Expect(
        get=roles(LOGIN, 200, 404, 404, 200, 200, 200), kwargs=lambda w: [{"pk": w.evidence.pk}]
    ),
    "plans:agency_lookup": Expect(get=logged_in(200), query="q=tu phap"),
    "plans:plan_lookup": Expect(get=logged_in(200), query="q=kh"),
    # Unknown agency names: Sở Nội vụ of the province and administrators settle them; staff and
    # leaders are refused before anything is looked up (403); Cao Bằng's reviewer has its own
    # province's list but does not see Bắc Kạn's names (404).
    "plans:unknown_agency_provinces": Expect(get=roles(LOGIN, 403, 403, 200, 403, 200, 200)),
    "plans:unknown_agency_list": Expect(
        get=roles(LOGIN, 403, 403, 404, 403, 200, 200),
        kwargs=lambda w: [{"province_pk": w.province.pk}],
    ),
    "plans:agency_settle": Expect(
        get=roles(LOGIN, 403, 403, 404, 403, 200, 200),
        kwargs=lambda w: [{"pk": w.unknown_agency.pk}],
    ),
    "plans:agency_settle_alias": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.unknown_agency.pk}],
        payload=lambda w: {"target": agency(w.province, "Sở Tài chính").pk},
    ),
    "plans:agency_settle_external": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.unknown_agency.pk}],
    ),
    "plans:agency_settle_collective": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.unknown_agency.pk}],
        payload=lambda w: {
            "members": [agency(w.province, n).pk for n in ("Sở Tư pháp", "Sở Tài chính")]
        },
    ),
    "plans:import_list": Expect(get=roles(LOGIN, 403, 403, 200, 403, 200, 200)),
    "plans:import_new": Expect(
        get=roles(LOGIN, 403, 403, 200, 403, 200, 200),
        # Cao Bằng's reviewer may import, but not into Bắc Kạn: the form refuses (200).
        post=roles(LOGIN, 403, 403, 200, 403, DONE, DONE),
        payload=lambda w: {
            "file": SimpleUploadedFile("phu-luc.xlsx", w.workbook),
            "province": w.province.pk,
            "plan_number": "9/KH-UBND",
            "plan_title": "",
            "plan_date": "",
            "year": TODAY.year,
        },
    ),
    "plans:import_detail": Expect(
        get=roles(LOGIN, 403, 403, 404, 403, 200, 200), kwargs=lambda w: [{"pk": w.preview.pk}]
    ),
    "plans:import_confirm": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.preview.pk}],
    ),
    # A revision of plan 7 whose first row is only like its task 1: choosing makes a new preview.
    "plans:import_choose": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.choice_preview.pk}],
        payload=lambda w: {"choice-0": "same"},
    ),
    # Index results: Sở Nội vụ of the province and administrators import them, accept the
    # score statements found in tasks and link tasks to criteria; leaders only read (the index
    # page), staff are refused. Another province's reviewer imports only into its own province
    # (the form refuses Bắc Kạn: 400 with the error) and does not see Bắc Kạn's previews or
    # tasks (404).
    "result_import_new": Expect(
        get=roles(LOGIN, 403, 403, 200, 403, 200, 200),
        post=roles(LOGIN, 403, 403, 400, 403, DONE, DONE),
        payload=lambda w: {
            "file": SimpleUploadedFile(RESULTS_WORKBOOK.name, RESULTS_WORKBOOK.read_bytes()),
            "province": w.province.pk,
            "index": "PAPI",
            "year": 2017,
            "total": "36,5",
            "maximum": "",
            "rank": "30",
            "rank_of": "63",
            "band": "",
        },
    ),
    "result_import_detail": Expect(
        get=roles(LOGIN, 403, 403, 404, 403, 200, 200),
        kwargs=lambda w: [{"pk": w.results_preview.pk}],
    ),
    "result_import_confirm": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.results_preview.pk}],
    ),
    "statement_decide": Expect(
        get=POST_ONLY_GET,
        # Staff have no index page (403 before the task is looked up); the leader sees the
        # task but may not decide (403); Cao Bằng's reviewer does not see the task (404).
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        payload=lambda w: {
            "task": w.task.pk,
            "text": w.task.score_statements[0]["text"],
            "index": "PAR",
            "year": w.task.score_statements[0]["year"],
            "target": str(w.criterion.pk),
            "decision": "accept",
        },
    ),
    "task_criteria": Expect(
        get=POST_ONLY_GET,
        # Sở Tư pháp sees its task but may not link (403); Sở Tài chính and Cao Bằng do not
        # see it (404).
        post=roles(LOGIN, 403, 404, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.task.pk}],
        payload=lambda w: {"criterion": w.criterion.pk, "action": "link"},
    ),
    # Criteria trees are national reference data: only administrators import them.
    "criteria_import_new": Expect(
        get=roles(LOGIN, 403, 403, 403, 403, 403, 200),
        post=roles(LOGIN, 403, 403, 403, 403, 403, DONE),
        payload=lambda w: {
            "file": SimpleUploadedFile(CRITERIA_WORKBOOK.name, CRITERIA_WORKBOOK.read_bytes()),
            "edition": Edition.objects.get(index__code="PAR", first_year=2020).pk,
        },
    ),
    "criteria_import_detail": Expect(
        get=roles(LOGIN, 403, 403, 403, 403, 403, 200),
        kwargs=lambda w: [{"pk": w.criteria_preview.pk}],
    ),
    "criteria_import_confirm": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 403, 403, 403, DONE),
        kwargs=lambda w: [{"pk": w.criteria_preview.pk}],
    ),
    # Suggested links of a plan's tasks: Sở Nội vụ of the province and administrators decide;
    # staff and the leader see the plan but may not (403); Cao Bằng does not see it (404).
    "plan_suggestions": Expect(
        get=roles(LOGIN, 403, 403, 404, 403, 200, 200),
        kwargs=lambda w: [{"pk": w.plan.pk}],
    ),
    "plan_suggestions_decide": Expect(
        get=POST_ONLY_GET,
        post=roles(LOGIN, 403, 403, 404, 403, DONE, DONE),
        kwargs=lambda w: [{"pk": w.plan.pk}],
        payload=lambda w: {
            f"s-{w.suggested_task.pk}-{s.criterion.pk}": "reject"
            for s in suggestions_for_tasks([w.suggested_task])[w.suggested_task.pk]
        },
    ),
    # The evidence package of a province's index and year: for those who see the dashboard of
    # the province (leader, Sở Nội vụ, administrators); a GET shows the button, a POST queues it.
    "plans:evidence_package": Expect(
        get=roles(LOGIN, 403, 403, 404, 200, 200, 200),
        post=roles(LOGIN, 403, 403, 404, DONE, DONE, DONE),
        kwargs=lambda w: [{"province": w.province.pk, "index": "PAR", "year": TODAY.year}],
    ),
    # The load balancer's health check: no login, read-only (GET and HEAD).
    "healthz": Expect(get=each(200), post=each(405)),
    # Browsers ask for it on every page without the layout's icon link: no login.
    "favicon": Expect(get=each(302), post=each(405)),
    # A plan is a published document of the province: everyone of the province may export it
    # (it holds the annex, no progress); another province's reviewer may not.
    "plans:plan_export": Expect(
        get=roles(LOGIN, 200, 200, 404, 200, 200, 200),
        post=roles(LOGIN, DONE, DONE, 404, DONE, DONE, DONE),
        kwargs=lambda w: [{"pk": w.plan.pk}],
    ),
}


# The API (/api/v1/): the browser's session here (tokens: tests/plans/test_api*.py). No
# credentials is 401 (the scheme in WWW-Authenticate), before anything else; PUT, PATCH and
# DELETE are refused on every route (405), and so is GET on a write. Visibility is the pages':
# a task Sở Tài chính has no part in, and Bắc Kạn's data for Cao Bằng's reviewer, are 404.
def api(outcome):
    return {ANON: 401, **dict.fromkeys(ROLES[1:], outcome)}


API_METHODS_REFUSED = api(405)
API_SEEN_AS_TASK = roles(401, 200, 404, 404, 200, 200, 200)  # as plans:task_detail


def api_read(name, detail=None, *, kwargs=None, listed=None):
    """The list and detail routes of a read-only resource."""
    return {
        f"api:{name}-list": Expect(get=listed or api(200), others=API_METHODS_REFUSED),
        f"api:{name}-detail": Expect(
            get=detail or api(200), others=API_METHODS_REFUSED, kwargs=kwargs
        ),
    }


EXPECTED.update(
    {
        **api_read(
            "plan", roles(401, 200, 200, 404, 200, 200, 200), kwargs=lambda w: [{"pk": w.plan.pk}]
        ),
        **api_read(
            "section",
            roles(401, 200, 200, 404, 200, 200, 200),
            kwargs=lambda w: [{"pk": w.task.section_id}],
        ),
        **api_read("task", API_SEEN_AS_TASK, kwargs=lambda w: [{"pk": w.task.pk}]),
        **api_read("assignment", API_SEEN_AS_TASK, kwargs=lambda w: [{"pk": w.assignment.pk}]),
        **api_read(
            "progressupdate",
            API_SEEN_AS_TASK,
            kwargs=lambda w: [{"pk": w.evidence.update_id}],
        ),
        **api_read("evidence", API_SEEN_AS_TASK, kwargs=lambda w: [{"pk": w.evidence.pk}]),
        **api_read("extension", API_SEEN_AS_TASK, kwargs=lambda w: [{"pk": w.extension.pk}]),
        **api_read("agency", kwargs=lambda w: [{"pk": agency(w.province, "Sở Tư pháp").pk}]),
        **api_read("province", kwargs=lambda w: [{"pk": w.province.pk}]),
        **api_read("edition", kwargs=lambda w: [{"pk": w.criterion.edition_id}]),
        **api_read("criterion", kwargs=lambda w: [{"pk": w.criterion.pk}]),
        # The index page's results: not for agency staff, not another province's.
        **api_read(
            "result",
            roles(401, 404, 404, 404, 200, 200, 200),
            kwargs=lambda w: [{"pk": w.result.pk}],
        ),
        "api:evidence-file": Expect(
            get=API_SEEN_AS_TASK,
            others=API_METHODS_REFUSED,
            kwargs=lambda w: [{"pk": w.evidence.pk}],
        ),
        # Writes: the pages' rules (plans:assignment_progress and the others above).
        "api:assignment-progress": Expect(
            get=API_METHODS_REFUSED,
            post=roles(401, API_DONE, 404, 404, 403, 403, 403),
            others=API_METHODS_REFUSED,
            kwargs=lambda w: [{"pk": w.assignment.pk}],
            payload=lambda w: EXPECTED["plans:assignment_progress"].payload(w),
        ),
        "api:assignment-review": Expect(
            get=API_METHODS_REFUSED,
            post=roles(401, 403, 404, 404, 403, API_DONE, API_DONE),
            others=API_METHODS_REFUSED,
            kwargs=lambda w: [{"pk": w.assignment.pk}],
            payload=lambda w: EXPECTED["plans:assignment_review"].payload(w),
        ),
        "api:assignment-extension": Expect(
            get=API_METHODS_REFUSED,
            post=roles(401, API_DONE, 404, 404, 403, 403, 403),
            others=API_METHODS_REFUSED,
            kwargs=lambda w: [{"pk": w.open_assignment.pk}],
            payload=lambda w: EXPECTED["plans:extension_request"].payload(w),
        ),
        "api:extension-decide": Expect(
            get=API_METHODS_REFUSED,
            post=roles(401, 403, 404, 404, 403, API_DONE, API_DONE),
            others=API_METHODS_REFUSED,
            kwargs=lambda w: [{"pk": w.extension.pk}],
            payload=lambda w: {"decision": "grant", "note": ""},
        ),
        # The schema and its documentation page describe the interface, no data: public.
        "api:schema": Expect(get=each(200), post=each(405), others=each(405)),
        "api:docs": Expect(get=each(200), post=each(405), others=each(405)),
        # One's own tokens: made by POST (then the page shows the new one once), revoked by
        # their owner only; someone else's token is not found.
        "api_tokens": Expect(
            get=logged_in(200),
            post=logged_in(DONE),
            payload=lambda w: {"name": "Hệ thống văn bản"},
        ),
        "api_token_revoke": Expect(
            get=POST_ONLY_GET,
            post=roles(LOGIN, DONE, 404, 404, 404, 404, 404),
            kwargs=lambda w: [{"pk": w.api_token.pk}],
        ),
    }
)

# The admin: every pattern under it (each model's pages, the index, the catch-all...) lets in
# administrators only; everyone else is sent to the admin login, whatever the page. A model
# registered tomorrow is covered by this rule without an entry. Exceptions, with why:
ADMIN_RULE = roles(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, IN)
ADMIN_EXCEPTIONS = {
    # The login page itself is public; a logged-in administrator is sent on to the index.
    "admin:login": roles(200, 200, 200, 200, 200, 200, 302),
    # Logging out is POST-only (405 on GET) once the admin gate let one in; the others are
    # sent to the admin index, which sends them to the login.
    "admin:logout": roles(302, 302, 302, 302, 302, 302, 405),
}
# Pages of a model's admin that an administrator must really see (200), not just pass the gate.
# (Delete pages may refuse on their own: the history is append-only.)
ADMIN_PAGES_SEEN = re.compile(r"_(changelist|change|history)$")


@dataclass
class World:
    province: object
    plan: Plan
    task: Task
    assignment: Assignment
    evidence: Evidence
    preview: ImportRun
    choice_preview: ImportRun
    period: ReportingPeriod
    workbook: bytes
    results_preview: ResultImport
    criterion: Criterion
    job: FileJob
    withdrawn_task: Task
    unknown_agency: Agency
    open_assignment: Assignment
    extension: DeadlineExtension
    api_token: ApiToken
    result: Result
    criteria_preview: CriterionImport
    suggested_task: Task


@pytest.fixture
def world(bac_kan, staff_tuphap, reviewer, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    staff_tuphap.email = "tuphap@example.gov.vn"  # the reminder has someone to write to
    staff_tuphap.save()
    tp = agency(bac_kan, "Sở Tư pháp")
    plan = make_plan(bac_kan, number="7/KH-UBND", year=TODAY.year)
    plan.indices.set(Index.objects.filter(code="PAR"))
    # The task quotes last year's score of a PAR INDEX criterion, as an annex import finds it:
    # a statement waiting for Sở Nội vụ to accept or dismiss.
    description = f"Tiêu chí 1 năm {TODAY.year - 1} đạt 8,5/10 điểm; cần cải thiện"
    task = make_task(
        plan, number="1", description=description, due_on=TODAY + datetime.timedelta(days=3)
    )
    task.score_statements = [score_as_dict(s) for s in find_score_statements(description)]
    task.save(update_fields=["score_statements"])
    assert [s["year"] for s in task.score_statements] == [TODAY.year - 1]
    assignment = make_assignment(task, tp)
    # Sở Tư pháp reports it done with evidence: a completion waiting for Sở Nội vụ's review.
    assignment_record_progress(
        assignment=assignment,
        author=staff_tuphap,
        status=Assignment.Status.DONE,
        completed_on=TODAY,
        note=SECRET_NOTE,
        files=[SimpleUploadedFile(SECRET_FILE, PDF)],
    )
    assignment.refresh_from_db()
    # An overdue task of Sở Tư pháp, so the period's reminder has work to send.
    overdue = make_task(plan, number="2", due_on=TODAY - datetime.timedelta(days=5))
    open_assignment = make_assignment(overdue, tp, status=Assignment.Status.IN_PROGRESS)
    # Sở Tư pháp's request for more time on another task, waiting for Sở Nội vụ's decision.
    extended = make_assignment(make_task(plan, number="4", due_on=TODAY), tp)
    extension = deadline_extension_request(
        assignment=extended,
        author=staff_tuphap,
        requested_due=TODAY + datetime.timedelta(days=20),
        reason="Chờ số liệu",
        today=TODAY,
    )
    # A task a revised annex no longer contains, for Sở Nội vụ to restore.
    withdrawn_task = make_task(plan, number="3", withdrawn_at=timezone.now())
    make_assignment(withdrawn_task, tp)
    Group.objects.create(name="Nhóm")  # every admin model has a row whose pages to open
    workbook = plan_export_xlsx(plan)
    report = import_preview(
        data=workbook,
        file_name="phu-luc.xlsx",
        province=bac_kan,
        user=reviewer,
        plan_number="8/KH-UBND",
        year=TODAY.year,
    )
    assert report.ok, report.errors
    # Plan 7 revised: task 1 reworded beyond a correction, so the preview asks the reviewer.
    Task.objects.filter(pk=task.pk).update(
        description=description + " và rà soát, đánh giá kết quả thực hiện hằng quý"
    )
    revised = plan_export_xlsx(plan)
    Task.objects.filter(pk=task.pk).update(description=description)
    choice_preview = import_preview(
        data=revised,
        file_name="phu-luc-sua-doi.xlsx",
        province=bac_kan,
        user=reviewer,
        plan_number=plan.number,
        year=plan.year,
    )
    assert choice_preview.ok and choice_preview.rows[0]["suggestion"], choice_preview.rows[0]
    period = ReportingPeriod.objects.create(
        province=bac_kan, code=f"{TODAY.year}-Y", opened_by=reviewer
    )
    # A results workbook previewed for a year Bắc Kạn has no PAPI result yet: confirming it
    # creates the result and its six criterion scores.
    papi = Index.objects.get(code="PAPI")
    results_preview = result_import_preview(
        data=RESULTS_WORKBOOK.read_bytes(),
        file_name=RESULTS_WORKBOOK.name,
        province=bac_kan,
        index=papi,
        year=2017,
        edition=papi.edition_for(2017),
        totals={"total": None, "maximum": None, "rank": None, "rank_of": None, "band": ""},
        user=reviewer,
    )
    assert not results_preview.problems, results_preview.problems
    assert not Result.objects.filter(province=bac_kan, index=papi, year=2017).exists()
    # The reviewer's report of the year, built by the worker.
    job = file_job_request(
        user=reviewer,
        kind=FILE_KINDS[FileJob.Kind.REPORT],
        params=ReportParams(
            subject="plan", subject_id=plan.pk, period=f"{TODAY.year}-Y", extension="xlsx"
        ),
    )
    assert run_worker_once() == 1
    job.refresh_from_db()
    assert job.status == FileJob.Status.DONE
    # A name an import could not place, leading a task of another plan: Sở Nội vụ settles it.
    unknown_agency = Agency.objects.create(
        province=bac_kan, name="Ban Quản lý dự án 7f3a", kind=Agency.Kind.EXTERNAL, verified=False
    )
    other_plan = make_plan(bac_kan, number="10/KH-UBND", year=TODAY.year)
    make_assignment(make_task(other_plan, number="1"), unknown_agency)
    # A criteria workbook previewed into the PAR INDEX 2020–2021 edition, which has none yet.
    criteria_preview = criteria_import_preview(
        data=CRITERIA_WORKBOOK.read_bytes(),
        file_name=CRITERIA_WORKBOOK.name,
        edition=Edition.objects.get(index__code="PAR", first_year=2020),
        user=None,
    )
    assert not criteria_preview.problems, criteria_preview.problems
    # A task of plan 7 whose text names a PAR INDEX area: a suggestion for Sở Nội vụ to decide.
    suggested_task = make_task(
        plan, number="5", description="Cải cách thủ tục hành chính: rà soát, công bố thủ tục"
    )
    assert suggestions_for_tasks([suggested_task])[suggested_task.pk]
    return World(
        province=bac_kan,
        plan=plan,
        task=task,
        assignment=assignment,
        evidence=Evidence.objects.get(),
        preview=ImportRun.objects.get(pk=report.import_run_id),
        choice_preview=ImportRun.objects.get(pk=choice_preview.import_run_id),
        period=period,
        workbook=workbook,
        results_preview=results_preview,
        # A criterion of the edition of the plan's index in force last year (PAR INDEX 2022–).
        criterion=Criterion.objects.get(
            edition=Index.objects.get(code="PAR").edition_for(TODAY.year - 1), code="1"
        ),
        job=job,
        withdrawn_task=withdrawn_task,
        unknown_agency=unknown_agency,
        open_assignment=open_assignment,
        extension=extension,
        api_token=api_token_create(user=staff_tuphap, name="Hệ thống văn bản")[0],
        result=Result.objects.filter(province=bac_kan).order_by("pk").first(),
        criteria_preview=criteria_preview,
        suggested_task=suggested_task,
    )


# Walking the URLconf ----------------------------------------------------------------------------


@dataclass
class Pattern:
    key: str  # "namespace:name", or the route when the pattern has no name
    route: list  # the pattern objects from the root to the leaf
    callback: object
    in_admin: bool


def walk(resolver=None, prefix=(), namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            inner = f"{namespace}:{ns}".strip(":") if ns else namespace
            yield from walk(entry, (*prefix, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = (*prefix, entry.pattern)
            full = "".join(str(p) for p in route)
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else full
            yield Pattern(name, list(route), entry.callback, namespace.startswith("admin"))


def _fill_regex(regex: str, values: dict) -> str:
    """A concrete path from a regex pattern: each named group replaced by its value."""
    out, i = [], 0
    regex = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    while i < len(regex):
        match = re.match(r"\(\?P<(\w+)>", regex[i:])
        if match:
            depth, j = 1, i + match.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            out.append(str(values[match.group(1)]))
            i = j
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def concrete_url(pattern: Pattern, values: dict) -> str:
    parts = []
    for piece in pattern.route:
        text = str(piece)
        if hasattr(piece, "converters") and not text.startswith("^"):  # path(): <conv:name>
            text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), text)
        else:
            text = _fill_regex(text, values)
        parts.append(text)
    return "/" + "".join(parts)


def admin_values(pattern: Pattern, world: World) -> dict:
    """Parameters of an admin pattern: a real object of the page's model where there is one."""
    values = {"url": "no-such-page/", "content_type_id": 0, "object_id": 0, "id": 0}
    model_admin = getattr(pattern.callback, "model_admin", None)
    model = model_admin.model if model_admin else None
    for registered in admin_site._registry:  # views a ModelAdmin wraps itself (user password)
        if pattern.key.startswith(
            f"admin:{registered._meta.app_label}_{registered._meta.model_name}_"
        ):
            model = registered
    if model is not None:
        obj = model._default_manager.order_by("pk").first()
        values["object_id"] = values["id"] = obj.pk if obj else 0  # UserAdmin: <id>/password/
        values["real_object"] = obj is not None
    values["content_type_id"] = ContentType.objects.get_for_model(Task).pk
    if "view_on_site" in pattern.key:
        values["object_id"] = world.task.pk
    app_labels = re.search(r"\(\?P<app_label>([^)]*)\)", "".join(str(p) for p in pattern.route))
    if app_labels:
        values["app_label"] = app_labels.group(1).split("|")[0]
    return values


# Requests ---------------------------------------------------------------------------------------


def snapshot() -> dict:
    """What a request may change: plans, tasks, assignments, index results and their scores,
    results imports (confirmed or not), score statement decisions and the task ↔ criterion
    links as they are; how many of the append-only or created records exist (history,
    evidence, import runs, periods, agencies, aliases, collective names, requested files,
    queued tasks); the unverified agencies as they are; passwords; and the mail sent."""
    models = (
        Plan,
        Task,
        Assignment,
        Result,
        CriterionScore,
        ResultImport,
        StatementDecision,
        Criterion,
        CriterionImport,
        RejectedSuggestion,
    )
    data = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    data["task_criteria"] = list(Task.criteria.through.objects.order_by("pk").values())
    for model in (
        Section,
        ProgressUpdate,
        Evidence,
        ImportRun,
        ReportingPeriod,
        Agency,
        AgencyAlias,
        CollectiveName,
        FileJob,
    ):
        data[model.__name__] = list(model.objects.aggregate(Count("pk"), Max("pk")).values())
    # A task queued (a file asked for, reminders to send); ids are UUIDs, which have no MAX
    # in PostgreSQL.
    data["tasks"] = sorted(map(str, DBTaskResult.objects.values_list("pk", flat=True)))
    # The names an import could not place, as they are (settling one changes its row).
    data["unverified"] = list(Agency.objects.filter(verified=False).order_by("pk").values())
    data["users"] = list(get_user_model().objects.order_by("pk").values("pk", "password"))
    data["api_tokens"] = list(ApiToken.objects.order_by("pk").values("pk", "revoked_at"))
    data["mail"] = [(m.subject, m.to) for m in mail.outbox]
    return data


def body_text(response) -> str:
    """The response as text, unzipping workbooks and documents to read their XML."""
    content = response.streamed if response.streaming else response.content
    if content.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return content.decode("utf-8", "replace")


def outcome_of(response, changed: bool, expected) -> str | None:
    """None when the response is what `expected` says, else what was wrong."""
    status, location = response.status_code, response.get("Location", "")
    login_url, admin_login = reverse(settings.LOGIN_URL), reverse("admin:login")
    if expected == LOGIN:
        ok = status == 302 and location.startswith(login_url)
    elif expected == ADMIN_LOGIN:
        ok = status == 302 and location.startswith(admin_login)
    elif expected == IN:
        ok = status < 500 and not (status == 302 and location.startswith(admin_login))
    elif expected == DONE:
        ok = status in (302, 303) and not location.startswith((login_url, admin_login)) and changed
    elif expected == API_DONE:
        ok = status in (200, 201) and changed
    else:
        ok = status == expected
    if ok:
        return None
    return (
        f"got {status}{' → ' + location if location else ''}{', data changed' if changed else ''}"
    )


@dataclass
class Case:
    pattern: Pattern
    method: str
    url: str
    expected: dict
    payload: object = None
    must_show: bool = False  # an admin page the administrator must really see (200)


def cases_for(pattern: Pattern, world: World) -> list[Case]:
    if pattern.in_admin:
        values = admin_values(pattern, world)
        url = concrete_url(pattern, values)
        if pattern.key == "admin:autocomplete":
            url += "?app_label=plans&model_name=section&field_name=plan&term="
        # A model with no row yet (e.g. a history table nobody wrote to) only proves the gate.
        must_show = bool(ADMIN_PAGES_SEEN.search(pattern.key)) and (
            pattern.key.endswith("_changelist") or values.get("real_object", False)
        )
        expected = ADMIN_EXCEPTIONS.get(pattern.key, ADMIN_RULE)
        cases = [Case(pattern, "GET", url, expected, must_show=must_show)]
        if pattern.key.endswith("_delete"):  # a refused delete deletes nothing
            non_admin = dict.fromkeys(ROLES[:-1], ADMIN_LOGIN)
            cases.append(Case(pattern, "POST", url, non_admin, lambda w: {"post": "yes"}))
        return cases
    expect = EXPECTED[pattern.key]
    cases = []
    for values in expect.kwargs(world):
        url = concrete_url(pattern, values) + (f"?{expect.query}" if expect.query else "")
        if expect.get:
            cases.append(Case(pattern, "GET", url, expect.get))
        if expect.post:
            cases.append(Case(pattern, "POST", url, expect.post, expect.payload))
        if expect.others:
            cases += [Case(pattern, m, url, expect.others) for m in ("PUT", "PATCH", "DELETE")]
    return cases


def request(client: Client, case: Case, world: World):
    """One request in a savepoint rolled back afterwards: (response, data changed?)."""
    cookies = copy.deepcopy(client.cookies)  # logout replaces the session cookie
    mail.outbox = []
    # The admin's GET pages are not compared (hundreds of them, the admin's own code): the
    # project's pages, and every POST, are.
    compare = case.method == "POST" or not case.pattern.in_admin
    with transaction.atomic():
        before = snapshot() if compare else None
        if case.method == "GET":
            response = client.get(case.url)
        elif case.method == "POST":
            response = client.post(case.url, case.payload(world) if case.payload else {})
        else:
            response = client.generic(case.method, case.url, b"{}", "application/json")
        if response.streaming:
            # Read to the end: the test client then closes the file without the end-of-request
            # signal that would close the database connection (inside this savepoint).
            response.streamed = b"".join(response.streaming_content)
        changed = compare and snapshot() != before
        transaction.set_rollback(True)
    client.cookies = cookies
    return response, changed


@pytest.fixture
def people(staff_tuphap, staff_taichinh, other_reviewer, leader, reviewer, administrator):
    users = dict(
        zip(
            ROLES,
            (None, staff_tuphap, staff_taichinh, other_reviewer, leader, reviewer, administrator),
            strict=True,
        )
    )
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    return clients


def test_every_url_pattern_has_an_expectation():
    patterns = list(walk())
    missing = [p for p in patterns if not p.in_admin and p.key not in EXPECTED]
    assert not missing, "\n".join(
        f"URL pattern {p.key!r} ({''.join(str(r) for r in p.route)}) has no entry in EXPECTED "
        "in tests/test_url_permissions.py: add one saying what each role gets (GET, and POST "
        "with a valid payload if the view changes data)."
        for p in missing
    )
    stale = set(EXPECTED) - {p.key for p in patterns}
    assert not stale, f"EXPECTED names patterns that no longer exist: {sorted(stale)}"
    # The walk reaches the included apps and the admin's models, not only the root.
    keys = {p.key for p in patterns}
    assert {"plans:task_detail", "password_reset_confirm", "admin:plans_task_change"} <= keys


def test_every_url_answers_each_role_as_expected_and_refusals_change_nothing(world, people):
    failures, checked = [], 0
    for pattern in walk():
        if not pattern.in_admin and pattern.key not in EXPECTED:
            continue  # reported by test_every_url_pattern_has_an_expectation
        for case in cases_for(pattern, world):
            assert resolve(case.url.split("?")[0]).func is pattern.callback, case.url
            for role in ROLES:
                if role not in case.expected:
                    continue
                expected = case.expected[role]
                response, changed = request(people[role], case, world)
                checked += 1
                problem = outcome_of(response, changed, expected)
                if problem is None and expected not in (DONE, API_DONE) and changed:
                    problem = "refused or read-only, but data changed"
                if (
                    problem is None
                    and case.must_show
                    and role == ADMIN
                    and response.status_code != 200
                ):
                    problem = f"administrator got {response.status_code}, expected the page"
                if problem is None and role in OUTSIDERS and response.status_code == 200:
                    text = body_text(response)
                    if SECRET_NOTE in text or SECRET_FILE in text:
                        problem = "shows Sở Tư pháp's progress note or evidence"
                if problem:
                    failures.append(
                        f"{case.method} {case.url} as {role}: expected {expected}, {problem}"
                    )
    print(f"{checked} requests checked")
    assert not failures, f"{len(failures)} of {checked} requests wrong:\n" + "\n".join(failures)
    # The allowed ones really happened (the payloads are valid): a sanity check on the fixture.
    assert checked > 400


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(world, staff_tuphap):
    """The matrix's client skips CSRF like Django's test client does; a browser does not."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_tuphap)
    url = reverse("plans:assignment_progress", args=[world.assignment.pk])
    before = snapshot()
    payload = EXPECTED["plans:assignment_progress"].payload(world)
    assert client.post(url, payload).status_code == 403
    assert snapshot() == before
