"""The kinds of file users download, one protocol for all (after pretix's exporters).

A kind has an `identifier` (stored on the `FileJob`), a `verbose_name`, typed parameters (a
frozen dataclass, stored as JSON on the job and read back into the dataclass), a `check` of
who may ask (PermissionDenied, Http404 or FileRequestInvalid: the 403/404/400 answered when
the file is asked for, and checked again when it is built, since roles change in between) and
`render`, which builds the file as the requester sees the data: `BuiltFile(name,
content_type, content)`, or, for a file too large to hold in memory, `BuiltFile(name,
content_type, path=...)`: a temporary file the job's storage takes over.

    ReportKind       the periodic report of a plan or a province's plans (.xlsx or .docx)
    TaskExportKind   the task list, with the list's filters (.xlsx)
    PlanExportKind   a plan as annex workbooks, in the layout the import reads (.xlsx)
    EvidencePackageKind  a province's evidence per criterion of an index for a year (.zip)
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse

from agencies.models import Province
from agencies.roles import can_see_dashboard, dashboard_provinces, predecessor_ids
from parindex.core.text import fold
from parindex.indices.models import Index
from plans.files.documents import document_fields_error
from plans.files.evidence_package import evidence_package_build
from plans.files.export import assignments_export_xlsx, plan_export_xlsx
from plans.files.reports import ReportDocument, report_docx, report_subject, report_xlsx
from plans.filters import assignments_filtered
from plans.models import FileJob
from plans.periods import period_bounds, period_label
from plans.selectors import list_shows_province, plans_visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class FileRequestInvalid(Exception):
    """A request that can never give a file (a wrong period): answered 400 with this
    Vietnamese message."""


@dataclass(frozen=True)
class BuiltFile:
    name: str
    content_type: str
    content: bytes = b""
    # A temporary file holding the content instead (the evidence package): moved into the
    # job's storage, or deleted, by whoever stores the job (plans.files.jobs).
    path: Path | None = None


def file_name_part(text: str) -> str:
    """ASCII a person reads in a file name: "Kế hoạch số 5/KH-UBND" → "ke-hoach-so-5-kh-ubnd"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:80]


class FileKind:
    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    Params: ClassVar[type]

    def params_load(self, data: dict):
        """The job's stored parameters as the kind's dataclass; TypeError or ValueError if
        they are not (a row written by hand, an old format). A parameter added later has a
        default, and a job stored before it may lack it."""
        fields = {field.name: field for field in dataclasses.fields(self.Params)}
        required = {name for name, f in fields.items() if f.default is dataclasses.MISSING}
        if not set(data) <= set(fields) or not required <= set(data):
            raise ValueError(f"{self.identifier}: parameters {sorted(data)}")
        return self.Params(**{name: _typed(data[name], fields[name].type) for name in data})

    def params_dump(self, params) -> dict:
        return dataclasses.asdict(params)

    def check(self, *, user, params, today: datetime.date) -> None:
        raise NotImplementedError

    def render(self, *, user, params, today: datetime.date) -> BuiltFile:
        raise NotImplementedError

    def title(self, params) -> str:
        return str(self.verbose_name)

    def request_url(self, params) -> str:
        """The page that asks for this file (by POST; its GET shows the button)."""
        raise NotImplementedError


def _typed(value, kind):
    # Stored as JSON: only str and int parameters, checked so a bad row fails loudly.
    expected = {"int": int, "str": str}.get(getattr(kind, "__name__", kind), object)
    if not isinstance(value, expected) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not {expected.__name__}")
    return value


# The periodic report --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportParams:
    subject: str  # "plan" or "province"
    subject_id: int
    period: str  # "2024-H1"
    extension: str  # "xlsx" or "docx"
    # The document's own fields (NĐ 30), typed on the request form; "" leaves the placeholder.
    number: str = ""  # số, "125"; ký hiệu BC-SNV is added
    signer_name: str = ""
    signer_title: str = ""  # quyền hạn, chức vụ: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    recipients: str = ""  # nơi nhận, one a line


REPORT_FORMATS = {"xlsx": (XLSX, report_xlsx), "docx": (DOCX, report_docx)}


class ReportKind(FileKind):
    identifier = FileJob.Kind.REPORT
    verbose_name = "Báo cáo định kỳ"
    Params = ReportParams

    def params_from_url(self, *, subject: str, period: str, extension: str) -> ReportParams:
        """`plan-12` or `province-4` from the URL, or Http404."""
        kind, _, pk = subject.partition("-")
        # isascii: "²" and "١" are digits to str.isdigit, but no id.
        if (
            kind not in {"plan", "province"}
            or not (pk.isascii() and pk.isdigit() and len(pk) < 10)
            or extension not in REPORT_FORMATS
        ):
            raise Http404
        return ReportParams(subject=kind, subject_id=int(pk), period=period, extension=extension)

    def _subject(self, *, user, params: ReportParams, today):
        if not user.is_active or not can_see_dashboard(user):
            raise PermissionDenied
        if params.subject not in {"plan", "province"} or params.extension not in REPORT_FORMATS:
            raise Http404
        try:
            period_bounds(params.period)
        except ValueError as error:
            raise FileRequestInvalid(str(error)) from error
        if error := document_fields_error(**dataclasses.asdict(self._document(params))):
            raise FileRequestInvalid(error)
        if params.subject == "plan":
            plan = get_object_or_404(
                plans_visible_to(user=user).select_related("province"), pk=params.subject_id
            )
            name = f"bao-cao-ke-hoach-{file_name_part(plan.number)}"
            return report_subject(plan=plan, period=params.period, today=today), name
        province = get_object_or_404(dashboard_provinces(user), pk=params.subject_id)
        name = f"bao-cao-tinh-{file_name_part(province.name)}"
        return report_subject(province=province, period=params.period, today=today), name

    def check(self, *, user, params: ReportParams, today) -> None:
        self._subject(user=user, params=params, today=today)

    def render(self, *, user, params: ReportParams, today) -> BuiltFile:
        subject, name = self._subject(user=user, params=params, today=today)
        content_type, build = REPORT_FORMATS[params.extension]
        period = file_name_part(period_label(params.period))
        content = build(subject, self._document(params))
        return BuiltFile(f"{name}-{period}.{params.extension}", content_type, content)

    def _document(self, params: ReportParams) -> ReportDocument:
        return ReportDocument(
            number=params.number,
            signer_name=params.signer_name,
            signer_title=params.signer_title,
            recipients=params.recipients,
        )

    def title(self, params: ReportParams) -> str:
        whole = "của các kế hoạch trong tỉnh" if params.subject == "province" else "của kế hoạch"
        period = period_label(params.period)
        period = period[:1].lower() + period[1:]  # mid-sentence: "Báo cáo năm 2024", "quý I/2024"
        return f"Báo cáo {period} {whole} (.{params.extension})"

    def request_url(self, params: ReportParams) -> str:
        subject = f"{params.subject}-{params.subject_id}"
        return reverse("plans:report_download", args=[subject, params.period, params.extension])


# The task-list export -------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskExportParams:
    query: str  # the task list's filter query string


class TaskExportKind(FileKind):
    identifier = FileJob.Kind.TASK_EXPORT
    verbose_name = "Danh sách nhiệm vụ"
    Params = TaskExportParams

    def check(self, *, user, params, today) -> None:
        # Everyone logged in may export the list; the rows are those the user sees when it is
        # built. A wrong filter exports no rows, as the list shows none.
        if not user.is_active:
            raise PermissionDenied

    def render(self, *, user, params: TaskExportParams, today) -> BuiltFile:
        self.check(user=user, params=params, today=today)
        _, rows = assignments_filtered(user=user, params=QueryDict(params.query), today=today)
        content = assignments_export_xlsx(
            rows.order_by("task__plan_id", "task__position", "agency__name"),
            today=today,
            provinces=list_shows_province(user=user),
        )
        return BuiltFile(f"danh-sach-nhiem-vu-{today:%d-%m-%Y}.xlsx", XLSX, content)

    def title(self, params) -> str:
        return "Danh sách nhiệm vụ (.xlsx)"

    def request_url(self, params: TaskExportParams) -> str:
        query = params.query
        return reverse("plans:task_export") + (f"?{query}" if query else "")


# The plan export ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanExportParams:
    plan_id: int


class PlanExportKind(FileKind):
    identifier = FileJob.Kind.PLAN_EXPORT
    verbose_name = "Kế hoạch dạng phụ lục"
    Params = PlanExportParams

    def _plan(self, *, user, params: PlanExportParams):
        if not user.is_active:
            raise PermissionDenied
        return get_object_or_404(plans_visible_to(user=user), pk=params.plan_id)

    def check(self, *, user, params, today) -> None:
        self._plan(user=user, params=params)

    def render(self, *, user, params: PlanExportParams, today) -> BuiltFile:
        plan = self._plan(user=user, params=params)
        name = f"ke-hoach-{file_name_part(plan.number)}-nam-{plan.year}.xlsx"
        return BuiltFile(name, XLSX, plan_export_xlsx(plan))

    def title(self, params) -> str:
        return "Kế hoạch dạng phụ lục (.xlsx)"

    def request_url(self, params: PlanExportParams) -> str:
        return reverse("plans:plan_export", args=[params.plan_id])


# The evidence package ------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidencePackageParams:
    province_id: int
    index: str  # the index's code: PAR, SIPAS, PAPI
    year: int


ZIP = "application/zip"


class EvidencePackageKind(FileKind):
    """For those who see the dashboard of the province (Sở Nội vụ, the leadership,
    administrators): the evidence of the tasks linked to the index's criteria."""

    identifier = FileJob.Kind.EVIDENCE_PACKAGE
    verbose_name = "Hồ sơ tài liệu kiểm chứng"
    Params = EvidencePackageParams

    def _subject(self, *, user, params: EvidencePackageParams):
        if not user.is_active or not can_see_dashboard(user):
            raise PermissionDenied
        province = get_object_or_404(dashboard_provinces(user), pk=params.province_id)
        index = get_object_or_404(Index, code=params.index)
        if not 2000 <= params.year <= 2100:
            raise FileRequestInvalid("Năm không hợp lệ.")
        return province, index

    def check(self, *, user, params, today) -> None:
        self._subject(user=user, params=params)

    def render(self, *, user, params: EvidencePackageParams, today) -> BuiltFile:
        province, index = self._subject(user=user, params=params)
        province_ids = {province.pk} | predecessor_ids(Province, province.pk, link="merged_into")
        path = evidence_package_build(province_ids=province_ids, index=index, year=params.year)
        name = (
            f"tai-lieu-kiem-chung-{file_name_part(index.name)}-{params.year}-"
            f"{file_name_part(province.name)}.zip"
        )
        return BuiltFile(name, ZIP, path=path)

    def title(self, params: EvidencePackageParams) -> str:
        return f"Hồ sơ tài liệu kiểm chứng {params.index} năm {params.year} (.zip)"

    def request_url(self, params: EvidencePackageParams) -> str:
        return reverse(
            "plans:evidence_package", args=[params.province_id, params.index, params.year]
        )


FILE_KINDS: dict[str, FileKind] = {
    kind.identifier: kind
    for kind in (ReportKind(), TaskExportKind(), PlanExportKind(), EvidencePackageKind())
}
