"""Plans (kế hoạch khắc phục), their annex sections and tasks, who carries each task out, and
what they reported.

A task's deadline is kept twice on purpose: as written in the annex (`deadline_text`) and as
understood (`deadline_kind`, `starts_on`, `due_on`, `recurrence`), because the text is the
official wording and the interpretation may be corrected by a reviewer.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parindex.core.constraints import not_after
from parindex.core.text import fold
from plans.timeliness import DONE, timeliness_of


class Plan(models.Model):
    province = models.ForeignKey(
        "agencies.Province", verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="plans"
    )
    number = models.CharField(_("số hiệu"), max_length=50, help_text=_("Ví dụ: 22/KH-UBND"))
    # Plan numbers restart every year, so the year is part of a plan's identity.
    year = models.PositiveSmallIntegerField(_("năm ban hành"))
    title = models.CharField(_("trích yếu"), max_length=1000, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    signer = models.CharField(_("người ký"), max_length=200, blank=True)
    base_year = models.PositiveSmallIntegerField(
        _("năm kết quả căn cứ"),
        null=True,
        blank=True,
        help_text=_("Năm của kết quả chỉ số mà kế hoạch khắc phục."),
    )
    target_year = models.PositiveSmallIntegerField(_("năm mục tiêu"), null=True, blank=True)
    # Folded number + title: what the task list's plan picker looks in (`plans.selectors.plan_choices`).
    search_text = models.TextField(_("nội dung chuẩn hóa"), blank=True, editable=False)
    indices = models.ManyToManyField(
        "parindex.Index", verbose_name=_("chỉ số"), blank=True, related_name="plans"
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("kế hoạch")
        verbose_name_plural = _("kế hoạch")
        ordering = ["-year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "number", "year"], name="plan_unique_number_per_year"
            ),
        ]

    def __str__(self) -> str:
        return self.label(self.number, self.year)

    def save(self, *args, **kwargs):
        self.search_text = self.folded_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"number", "title"} & set(update_fields):
            # A re-import saves only what changed: the folded text follows its parts.
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def folded_text(self) -> str:
        return fold(f"{self.number} {self.title}")

    @staticmethod
    def label(number: str, year: int) -> str:
        """How a plan is named, also where only its number and year were read (the list's plan
        filter offers every plan of the country)."""
        return f"Kế hoạch {number} ({year})"

    def picker_label(self) -> str:
        """The plan among the country's, as the task list's plan picker and its chip write it:
        "12/KH-UBND (2026) – Lào Cai" (numbers restart in every province and every year)."""
        return self.picker_text(self.number, self.year, self.province.short_label())

    @staticmethod
    def picker_text(number: str, year: int, province: str) -> str:
        return f"{number} ({year}) – {province}"


class Section(models.Model):
    """A section of an annex table ("I SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN", "1 Tham gia của người dân")."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="sections"
    )
    annex = models.CharField(_("phụ lục"), max_length=200, blank=True)
    sheet = models.CharField(_("trang tính"), max_length=100, blank=True)
    number = models.CharField(_("số thứ tự"), max_length=20, blank=True)
    title = models.CharField(_("tiêu đề"), max_length=1000, blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("mục")
        verbose_name_plural = _("mục")
        ordering = ["plan", "position"]

    def __str__(self) -> str:
        return (
            " ".join(part for part in (self.number, self.title) if part) or f"Mục {self.position}"
        )


class Task(models.Model):
    class DeadlineKind(models.TextChoices):
        FIXED = "fixed", _("Ngày cụ thể")
        RANGE = "range", _("Khoảng thời gian")
        ONGOING = "ongoing", _("Thường xuyên")
        RECURRING = "recurring", _("Định kỳ")
        EVENT = "event", _("Theo sự kiện")
        UNPARSED = "unparsed", _("Chưa hiểu được")

    class Recurrence(models.TextChoices):
        WEEKLY = "weekly", _("Hàng tuần")
        MONTHLY = "monthly", _("Hàng tháng")
        QUARTERLY = "quarterly", _("Hàng quý")
        HALF_YEARLY = "half_yearly", _("6 tháng")
        YEARLY = "yearly", _("Hàng năm")
        REPORTING_PERIOD = "reporting_period", _("Theo kỳ báo cáo")

    plan = models.ForeignKey(
        Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="tasks"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("mục"), on_delete=models.CASCADE, related_name="tasks"
    )
    number = models.CharField(_("số thứ tự"), max_length=20, blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    description = models.TextField(_("nhiệm vụ, giải pháp"))
    expected_result = models.TextField(_("kết quả, sản phẩm"), blank=True)
    deadline_text = models.CharField(
        _("thời gian thực hiện (nguyên văn)"), max_length=500, blank=True
    )
    deadline_kind = models.CharField(
        _("loại thời hạn"),
        max_length=10,
        choices=DeadlineKind.choices,
        default=DeadlineKind.UNPARSED,
    )
    starts_on = models.DateField(_("bắt đầu"), null=True, blank=True)
    due_on = models.DateField(_("hạn hoàn thành"), null=True, blank=True)
    recurrence = models.CharField(
        _("định kỳ"), max_length=20, choices=Recurrence.choices, blank=True
    )
    criteria = models.ManyToManyField(
        "parindex.Criterion", verbose_name=_("tiêu chí khắc phục"), blank=True, related_name="tasks"
    )
    # Score statements found in the task text ("năm 2022 đạt 8,963/9,5 điểm"), offered to
    # reviewers for recording as the criterion's result.
    score_statements = models.JSONField(_("điểm số nêu trong nội dung"), default=list, blank=True)
    source_sheet = models.CharField(_("trang tính nguồn"), max_length=100, blank=True)
    source_row = models.PositiveIntegerField(_("dòng nguồn"), null=True, blank=True)
    # Folded number + description + expected result: what accent-insensitive search looks in.
    search_text = models.TextField(_("nội dung chuẩn hóa"), blank=True, editable=False)
    withdrawn_at = models.DateTimeField(
        _("rút khỏi kế hoạch lúc"),
        null=True,
        blank=True,
        help_text=_(
            "Nhiệm vụ không còn trong phụ lục khi nhập lại; giữ lại cùng tiến độ đã báo cáo."
        ),
    )

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["plan", "position"]
        constraints = [
            not_after("starts_on", "due_on", name="task_start_before_due"),
            # Ongoing and event deadlines have no due date: they are never overdue by themselves.
            models.CheckConstraint(
                name="task_undated_kinds_have_no_due",
                condition=~Q(deadline_kind__in=["ongoing", "event", "unparsed"])
                | Q(due_on__isnull=True),
            ),
        ]
        indexes = [
            # Tasks of a plan in annex order (plan pages, export, re-import).
            models.Index(fields=["plan", "position"], name="task_plan_position_idx"),
            # The task list's default order (`plans.selectors.DUE_ORDER`: due date, plan, annex
            # position), so PostgreSQL reads a page's tasks in order and stops: on the due date
            # alone it sorted every task of the first date (page 1) or of the country (a deep
            # page). Also due-date ranges, "due in the next 30 days", quarters, and the
            # deadline lists' 50 soonest (plans.selectors.tasks_due_within, assignments_overdue).
            models.Index(fields=["due_on", "plan", "position"], name="task_due_order_idx"),
            # A plan's earliest due date, one probe per plan: where the overdue list starts its
            # walk of task_due_order_idx (plans.selectors.plans_earliest_due).
            models.Index(fields=["plan", "due_on"], name="task_plan_due_on_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.description[:80]}" if self.number else self.description[:80]

    def save(self, *args, **kwargs):
        self.search_text = self.folded_text()
        super().save(*args, **kwargs)

    def folded_text(self) -> str:
        return fold(" ".join((self.number, self.description, self.expected_result)))

    def clean(self) -> None:
        if self.section_id and self.plan_id and self.section.plan_id != self.plan_id:
            raise ValidationError({"section": _("Mục phải thuộc cùng kế hoạch với nhiệm vụ.")})


class AssignmentQuerySet(models.QuerySet):
    def in_force(self):
        """Assignments that are work today: their task is still in its plan and the annex still
        names their agency. The others keep their history and stay readable, but are left out of
        lists, counts, reports and reminders."""
        return self.filter(task__withdrawn_at__isnull=True, unassigned_at__isnull=True)


class Assignment(models.Model):
    """One agency's part in a task: lead (chủ trì) or support (phối hợp), with its own progress."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Chủ trì")
        SUPPORT = "support", _("Phối hợp")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Chưa thực hiện")
        IN_PROGRESS = "in_progress", _("Đang thực hiện")
        DONE = DONE, _("Đã hoàn thành")

    class Review(models.TextChoices):
        NONE = "", _("Chưa gửi")
        PENDING = "pending", _("Chờ xác nhận")
        CONFIRMED = "confirmed", _("Đã xác nhận")
        RETURNED = "returned", _("Trả lại")

    # The unique (task, agency) index could serve the lookups by task too, but the recount of
    # a section's counters right after an import (plans.tallies) was planned as a scan of every
    # assignment without this index while the statistics lagged behind the import: it stays.
    task = models.ForeignKey(
        Task, verbose_name=_("nhiệm vụ"), on_delete=models.CASCADE, related_name="assignments"
    )
    # No index of its own: assignment_agency_status_idx serves every lookup by agency. An annex
    # of 10,000 tasks inserts some 81,000 assignments, and each index is kept up per row.
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="assignments",
        db_index=False,
    )
    role = models.CharField(_("vai trò"), max_length=10, choices=Role.choices)
    # How the agency was read from the annex: the collective name it was expanded from, if any.
    source_text = models.CharField(_("ghi trong phụ lục"), max_length=500, blank=True)
    status = models.CharField(
        _("tiến độ"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    review = models.CharField(
        _("xác nhận"), max_length=10, choices=Review.choices, default=Review.NONE, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xác nhận"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # assignment_reviewed_by_idx, partial
    )
    reviewed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    review_note = models.TextField(_("ý kiến xác nhận / lý do trả lại"), blank=True)
    # Incremented by every change; a save based on an older version is refused (optimistic lock).
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    # Set when a revised annex no longer names the agency but it had recorded work: the
    # assignment and its history stay, shown as "không còn được giao", out of counts and
    # reminders; cleared when an import names the agency again.
    unassigned_at = models.DateTimeField(
        _("không còn được giao từ"),
        null=True,
        blank=True,
        help_text=_("Phụ lục sửa đổi không còn giao cho cơ quan này; giữ lại tiến độ đã báo cáo."),
    )
    # The due date Sở Nội vụ granted this agency (gia hạn), later than the task's: kept here by
    # plans.services.deadline_extension_decide (and by the annex import) so that timeliness,
    # lists and counts read one column instead of looking up the extensions row by row. The
    # requests and decisions themselves are `DeadlineExtension` rows.
    extended_to = models.DateField(_("hạn đã gia hạn"), null=True, blank=True)
    # The latest request's status ("" when none was ever made), kept by the same services: the
    # list marks and filters pending requests, and the task page looks the history up only for
    # assignments that have one, from this column and no extra query per page or row.
    extension_status = models.CharField(
        _("đề nghị gia hạn gần nhất"),
        max_length=10,
        blank=True,
        default="",
        # Also in the database: bulk loaders (generate_scale_data's COPY) name only their columns.
        db_default="",
        choices=[
            ("pending", _("Chờ quyết định")),
            ("granted", _("Đã gia hạn")),
            ("refused", _("Không gia hạn")),
        ],
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        ordering = ["task", "role", "agency"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "agency"], name="assignment_unique_agency_per_task"
            ),
            models.CheckConstraint(
                name="assignment_done_has_date",
                condition=~Q(status=DONE) | Q(completed_on__isnull=False),
            ),
            models.CheckConstraint(
                name="assignment_open_has_no_date",
                condition=Q(status=DONE) | Q(completed_on__isnull=True),
            ),
        ]
        indexes = [
            # An agency's own list filtered by status (the staff home page and task list).
            models.Index(fields=["agency", "status"], name="assignment_agency_status_idx"),
            # The deadline lists' half of the own due dates that are extensions (gia hạn), in
            # date order (plans.selectors.tasks_due_within, assignments_overdue); only the few
            # extended assignments are in it.
            models.Index(
                fields=["extended_to"],
                condition=Q(extended_to__isnull=False),
                name="assignment_extended_to_idx",
            ),
            # Deleting a user clears reviewed_by on the assignments they reviewed (SET_NULL).
            # Only reviewed rows are indexed: most never are, imported ones start unreviewed.
            models.Index(
                fields=["reviewed_by"],
                condition=Q(reviewed_by__isnull=False),
                name="assignment_reviewed_by_idx",
            ),
            # The home page's "Bị Sở Nội vụ trả lại", newest first: the few returned rows, not
            # a scan of every assignment the user sees (an administrator's: 4,8 s at ten times
            # the national dataset).
            models.Index(
                fields=["-reviewed_at"],
                condition=Q(review="returned"),
                name="assignment_returned_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} – {self.get_role_display()} – {self.task}"

    @property
    def due_on(self):
        """The date this agency's work is due: the granted extension, else the task's."""
        return self.extended_to or self.task.due_on

    def timeliness(self, today) -> str:
        return timeliness_of(
            status=self.status, completed_on=self.completed_on, due_on=self.due_on, today=today
        )


class DeadlineExtension(models.Model):
    """An agency's request for a later due date on its assignment (đề nghị gia hạn) and Sở Nội
    vụ's decision on it. Never deleted: the requests and decisions are the history. A grant
    sets `Assignment.extended_to`, which is what timeliness counts against."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ quyết định")
        GRANTED = "granted", _("Đã gia hạn")
        REFUSED = "refused", _("Không gia hạn")

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("phân công"),
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đề nghị"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("đề nghị lúc"), auto_now_add=True)
    # The due date when asked: what the list shows as the original date next to the new one.
    due_before = models.DateField(_("hạn khi đề nghị"))
    requested_due = models.DateField(_("hạn đề nghị"))
    reason = models.TextField(_("lý do"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quyết định"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    decision_note = models.TextField(_("ý kiến"), blank=True)

    class Meta:
        verbose_name = _("đề nghị gia hạn")
        verbose_name_plural = _("đề nghị gia hạn")
        ordering = ["assignment", "-requested_at"]
        constraints = [
            # One open request per assignment: a second one waits for the first decision.
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_assignment",
            ),
            models.CheckConstraint(
                name="extension_later_than_before",
                condition=Q(requested_due__gt=models.F("due_before")),
            ),
            models.CheckConstraint(
                name="extension_decided_has_time",
                condition=Q(status="pending") | Q(decided_at__isnull=False),
            ),
        ]
        indexes = [
            # Sở Nội vụ's queue: the pending requests, oldest first.
            models.Index(fields=["status", "requested_at"], name="extension_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} – {self.requested_due:%d/%m/%Y} – {self.get_status_display()}"

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Đề nghị gia hạn không được xóa."))


def evidence_path(instance: "Evidence", filename: str) -> str:
    # The stored name is not the uploaded one: users' names can collide or carry paths.
    return f"evidence/{instance.update.assignment_id}/{instance.sha256[:16]}"


class ProgressUpdate(models.Model):
    """An entry in an assignment's history. Append-only: entries are never edited or deleted."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Báo cáo tiến độ")
        CONFIRM = "confirm", _("Xác nhận hoàn thành")
        RETURN = "return", _("Trả lại")
        IMPORT = "import", _("Nhập phụ lục")

    # PROTECT, here and on Evidence.update: the history outlives any deletion attempt (an admin
    # inline, a bulk action, a plan's delete page), which is refused instead of cascading.
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("phân công"), on_delete=models.PROTECT, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cập nhật"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="progress_updates",
    )
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    status = models.CharField(_("tiến độ"), max_length=12, choices=Assignment.Status.choices)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    note = models.TextField(_("kết quả thực hiện"), blank=True)
    period = models.CharField(
        _("kỳ báo cáo"),
        max_length=10,
        blank=True,
        help_text=_("Ví dụ: 2024-Q1, 2024-H1, 2024-9M, 2024-Y"),
    )
    # What this entry changed, {"field": [old, new]}, so the history reads without diffing.
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    # The assignment's version after this entry: a refused concurrent save lists the entries
    # newer than the version its author had loaded.
    version = models.PositiveIntegerField(_("phiên bản"), default=1)

    class Meta:
        verbose_name = _("cập nhật tiến độ")
        verbose_name_plural = _("cập nhật tiến độ")
        ordering = ["assignment", "-created_at"]
        indexes = [
            # An assignment's history, newest first; "last update" per assignment.
            models.Index(fields=["assignment", "-created_at"], name="update_assignment_time_idx"),
            # Who reported in a period.
            models.Index(fields=["period", "assignment"], name="update_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} – {self.get_kind_display()} – {self.created_at:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("Lịch sử cập nhật không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Lịch sử cập nhật không được xóa."))


class Evidence(models.Model):
    """A file attached to a progress update (tài liệu kiểm chứng)."""

    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("cập nhật"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField(_("tệp"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("kiểu nội dung"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("tài liệu kiểm chứng")
        verbose_name_plural = _("tài liệu kiểm chứng")

    def __str__(self) -> str:
        return self.original_name


class ImportRun(models.Model):
    """One run of the annex import, kept as the import history."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
    )
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("kế hoạch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
    )
    province = models.ForeignKey(
        "agencies.Province",
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
    )
    file_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # What the user asked for (plan number, title, date, year, sheets): a preview's confirmation
    # re-runs the import with exactly these.
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    dry_run = models.BooleanField(_("chạy thử"), default=False)
    # The preview (dry run) this run confirmed, so a preview is confirmed at most once.
    confirms = models.OneToOneField(
        "self",
        verbose_name=_("xác nhận bản xem trước"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="confirmation",
    )
    succeeded = models.BooleanField(_("thành công"), default=False)
    summary = models.JSONField(_("tóm tắt"), default=dict, blank=True)

    class Meta:
        verbose_name = _("lần nhập phụ lục")
        verbose_name_plural = _("lịch sử nhập phụ lục")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} – {self.created_at:%d/%m/%Y %H:%M}"


class ReportingPeriod(models.Model):
    """A reporting period a reviewer opened for a province ("6 tháng 2024"): agencies are
    expected to report on each of their assignments for it."""

    province = models.ForeignKey(
        "agencies.Province",
        verbose_name=_("tỉnh"),
        on_delete=models.CASCADE,
        related_name="reporting_periods",
    )
    code = models.CharField(
        _("kỳ báo cáo"), max_length=10, help_text=_("Ví dụ: 2024-Q1, 2024-H1, 2024-9M, 2024-Y")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người mở"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("mở lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["-code"]
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="period_unique_per_province")
        ]

    def __str__(self) -> str:
        from plans.periods import period_label

        return f"{period_label(self.code)} – {self.province}"

    @property
    def year(self) -> int:
        return int(self.code.split("-")[0])


def file_job_path(instance: "FileJob", filename: str) -> str:
    # A random folder per file: nothing guessable, and the retention cleanup removes one name.
    return f"jobs/{uuid.uuid4().hex}/{filename}"


class FileJob(models.Model):
    """A file a user asked for (a kind of `plans.files.kinds`), built off the request by a
    django-tasks task (`plans.files.jobs.file_job_build`, run by `manage.py db_worker`), kept
    for `PARINDEX_JOBS_KEEP_HOURS`. The job says who asked for what and holds the file; the
    task result (`task_result_id`) says whether a worker has it.

    Not in the audit trail (django-auditlog): a job is derived data, rebuilt from records that
    are audited themselves, and its parameters hold no more than the request log does.
    """

    class Kind(models.TextChoices):
        REPORT = "report", _("Báo cáo định kỳ")
        TASK_EXPORT = "task_export", _("Danh sách nhiệm vụ")
        PLAN_EXPORT = "plan_export", _("Kế hoạch dạng phụ lục")
        EVIDENCE_PACKAGE = "evidence_package", _("Hồ sơ tài liệu kiểm chứng")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Đã xong")
        FAILED = "failed", _("Không thành công")

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    # The kind's parameters (a dataclass of plans.files.kinds, as JSON): what rebuilds the file.
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        on_delete=models.CASCADE,
        related_name="file_jobs",
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    # The django-tasks result of the task building it now (a new one when a lost run is
    # started again); a task whose id is no longer this one leaves the job alone.
    task_result_id = models.CharField(_("mã tác vụ"), max_length=64, blank=True)
    # "host:pid" of the worker process running it: a dead pid on this host is a lost run.
    worker = models.CharField(_("tiến trình"), max_length=100, blank=True)
    # Under MEDIA_ROOT (jobs/…), like the evidence files: a 5–10 MB workbook streams from disk
    # instead of being loaded into the database and into memory, and the backups of MEDIA_ROOT
    # (or the S3 store) hold it with no special case.
    file = models.FileField(_("tệp"), upload_to=file_job_path, max_length=300, blank=True)
    file_name = models.CharField(_("tên tệp tải về"), max_length=255, blank=True)
    content_type = models.CharField(_("kiểu nội dung"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"), null=True, blank=True)
    error = models.CharField(_("lỗi"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("tệp theo yêu cầu")
        verbose_name_plural = _("tệp theo yêu cầu")
        ordering = ["-created_at"]
        indexes = [
            # The worker's claim: the oldest queued job; the stale-job check: running ones.
            models.Index(fields=["status", "created_at"], name="filejob_status_created"),
            # A user's open jobs, looked up on every request to reuse an identical one.
            models.Index(fields=["requested_by", "status"], name="filejob_user_status"),
            # The retention cleanup: finished jobs older than the retention period.
            models.Index(fields=["finished_at"], name="filejob_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} – {self.get_status_display()}"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


# The counters' references carry no foreign-key constraint in the database. They are derived
# rows, deleted and recounted from the assignments by every refresh (plans.tallies), and the
# deletion of a plan, section, agency or province removes them through Django's CASCADE like
# before. The constraints' checks were the dearest part of committing an annex import: the
# 32,000 + 32,000 counter rows of a 10,000-task plan made some 260,000 deferred checks at
# COMMIT, more than its 81,000 assignments did.
TALLY_REFERENCE = {"on_delete": models.CASCADE, "related_name": "+", "db_constraint": False}


class _PlanCount(models.Model):
    """What every counter row is keyed by first: a plan, and its province and year copied so
    the dashboard filters without joins (each table names the index on province)."""

    plan = models.ForeignKey(Plan, verbose_name=_("kế hoạch"), **TALLY_REFERENCE)
    province = models.ForeignKey(
        "agencies.Province",
        verbose_name=_("tỉnh"),
        db_index=False,  # each table's (province, …) index
        **TALLY_REFERENCE,
    )
    year = models.PositiveSmallIntegerField(_("năm"))

    class Meta:
        abstract = True


class _SectionCount(_PlanCount):
    """A section's counter rows (the plan-level ones are sums of them)."""

    section = models.ForeignKey(Section, verbose_name=_("mục"), **TALLY_REFERENCE)

    class Meta:
        abstract = True


class _AgencyCount(models.Model):
    """The agency and role a counter row is about."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        db_index=False,  # read through the scope's filters, never by agency alone
        **TALLY_REFERENCE,
    )
    role = models.CharField(_("vai trò"), max_length=10, choices=Assignment.Role.choices)

    class Meta:
        abstract = True


class AssignmentTally(_SectionCount, _AgencyCount):
    """How many in-force assignments of a section share an agency, a role, a due date and a
    completion date: what the dashboard counts, kept by `plans.tallies.tallies_refresh` in the
    same transaction as every write that changes it, and checked against a recount daily
    (`manage.py recount_tallies`). The dashboard reads the coarse `AssignmentBucketTally`, and
    from this table only the rows of the one interval of days the reading day leaves undecided
    (`plans.buckets`); the rows of the exact days are also what the coarse ones are summed from.

    No timeliness group is stored: the groups depend on the reading day (a past cut-off, or
    today as days pass), so a row keeps what a group is computed from (`due_on`, `done_on`)
    and the dashboard applies `plans.timeliness` to it when it reads.
    """

    # The assignment's own due date (the granted extension, else the task's); none: no deadline.
    due_on = models.DateField(_("hạn"), null=True, blank=True)
    # The completion date of done work; none while the work is open.
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    # Work with no due date only: the day of the agency's last progress report, what
    # "lâu chưa cập nhật" is read from as of today (plans.staleness).
    last_report_on = models.DateField(_("báo cáo gần nhất"), null=True, blank=True)
    n = models.PositiveIntegerField(_("số phân công"))

    class Meta:
        verbose_name = _("số đếm phân công")
        verbose_name_plural = _("số đếm phân công")
        indexes = [
            # A province's dashboard (province and plan year) and the home page (province).
            models.Index(fields=["province", "year"], name="tally_province_year_idx"),
            # The national dashboard: every province's plans of a year.
            models.Index(fields=["year"], name="tally_year_idx"),
            # A province's dashboard read today: the rows of the one interval of completion
            # days or last report days that the coarse counters leave undecided.
            models.Index(
                fields=["province", "year", "done_on"],
                name="tally_province_done_idx",
                condition=models.Q(done_on__isnull=False),
            ),
            models.Index(
                fields=["province", "year", "last_report_on"],
                name="tally_province_report_idx",
                condition=models.Q(last_report_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} – {self.agency_id} – {self.role}: {self.n}"


class SectionTally(_SectionCount):
    """`AssignmentTally` without the agency and role: what the totals and the tables per
    section, plan, province and index read. Per agency, a section's assignments are nearly
    all distinct (943,745 assignments gave 901,273 agency-level rows on the national dataset);
    per section they share a due date task by task (a national plan year: ~70,000 rows for
    ~199,000 assignments). The dashboard reads it only for the interval of days the reading day
    leaves undecided (`plans.buckets`); `PlanBucketTally` is summed from it."""

    due_on = models.DateField(_("hạn"), null=True, blank=True)
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    last_report_on = models.DateField(_("báo cáo gần nhất"), null=True, blank=True)
    n = models.PositiveIntegerField(_("số phân công"))

    class Meta:
        verbose_name = _("số đếm phân công theo mục")
        verbose_name_plural = _("số đếm phân công theo mục")
        indexes = [
            # A province's dashboard (province and plan year) and the home page (province).
            models.Index(fields=["province", "year"], name="section_tally_province_idx"),
            # The national dashboard read today: the rows of the one interval of completion
            # days or last report days that the coarse counters leave undecided.
            models.Index(
                fields=["year", "done_on"],
                name="section_tally_year_done_idx",
                condition=models.Q(done_on__isnull=False),
            ),
            models.Index(
                fields=["year", "last_report_on"],
                name="section_tally_report_idx",
                condition=models.Q(last_report_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} – {self.due_on} – {self.done_on}: {self.n}"


class PeriodReportTally(_SectionCount, _AgencyCount):
    """How many in-force assignments of a section, agency and role have at least one progress
    update of a reporting period (the complement of "chưa báo cáo"), kept with
    `AssignmentTally` by the same refresh."""

    period = models.CharField(_("kỳ báo cáo"), max_length=10)
    n = models.PositiveIntegerField(_("số phân công đã báo cáo"))

    class Meta:
        verbose_name = _("số đếm báo cáo theo kỳ")
        verbose_name_plural = _("số đếm báo cáo theo kỳ")
        indexes = [
            # The dashboard's "chưa báo cáo": one period, a plan year, a province or all.
            models.Index(fields=["period", "year", "province"], name="period_tally_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} – {self.agency_id} – {self.period}: {self.n}"


class _BucketCount(models.Model):
    """What the coarse counters keep instead of exact days (`plans.buckets`): the due date
    (few per plan), the interval of the completion day and whether it was after the due date
    (fixed once done), and, for work with no due date, the interval of the last report day.
    Any reading day is decided by these except in the one interval holding it (and, for
    "lâu chưa cập nhật", the one holding the stale window's first day): the dashboard reads
    those intervals' rows from the exact counters (`AssignmentTally`, `SectionTally`)."""

    due_on = models.DateField(_("hạn"), null=True, blank=True)
    # yyyymmk (plans.buckets); none while the work is open.
    done_in = models.PositiveIntegerField(_("kỳ hoàn thành"), null=True, blank=True)
    late = models.BooleanField(_("hoàn thành quá hạn"))
    last_report_in = models.PositiveIntegerField(_("kỳ báo cáo gần nhất"), null=True, blank=True)
    n = models.PositiveIntegerField(_("số phân công"))

    class Meta:
        abstract = True


# The columns the dashboard reads of the coarse counters beside their keys: their indexes
# carry them (`include`), so PostgreSQL answers from the index alone.
COUNTED = ["due_on", "done_in", "late", "last_report_in", "n"]
COUNTED_BY_AGENCY = ["agency", "role", *COUNTED]


class AssignmentBucketTally(_SectionCount, _AgencyCount, _BucketCount):
    """`AssignmentTally` with its days as intervals: what a province's dashboard counts per
    section and agency, kept with it by the same refresh (summed from its rows)."""

    class Meta:
        verbose_name = _("số đếm phân công theo khoảng ngày")
        verbose_name_plural = _("số đếm phân công theo khoảng ngày")
        indexes = [
            # A province's dashboard (province and plan year) and the home page (province),
            # covering what they read (PostgreSQL: an index-only scan): a province-year's
            # rows lie all over the table, one heap page each (at ten times the national
            # dataset 49,000 rows on 41,600 pages, 154 of the query's 268 ms).
            models.Index(
                fields=["province", "year"],
                name="bucket_tally_province_idx",
                include=[*COUNTED_BY_AGENCY, "plan", "section"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} – {self.agency_id} – {self.role}: {self.n}"


class PlanBucketTally(_PlanCount, _BucketCount):
    """`SectionTally` summed per plan with its days as intervals: what the national dashboard
    counts (~100 plans a year, not their ~3,000 sections). A section's refresh recomputes its
    plan's rows from the plan's `SectionTally` rows, under a lock on the plan."""

    class Meta:
        verbose_name = _("số đếm phân công theo kế hoạch")
        verbose_name_plural = _("số đếm phân công theo kế hoạch")
        indexes = [
            # The national dashboard (a plan year) and a province's totals, covering what
            # they read (as `bucket_tally_province_idx`).
            models.Index(
                fields=["year", "province"],
                name="plan_tally_year_idx",
                include=[*COUNTED, "plan"],
            ),
            models.Index(fields=["province", "year"], name="plan_tally_province_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} – {self.due_on} – {self.done_in}: {self.n}"


class PlanPeriodTally(_PlanCount):
    """`PeriodReportTally` summed per plan: the national dashboard's "chưa báo cáo", kept with
    it by the same refresh and under the same lock as `PlanBucketTally`."""

    period = models.CharField(_("kỳ báo cáo"), max_length=10)
    n = models.PositiveIntegerField(_("số phân công đã báo cáo"))

    class Meta:
        verbose_name = _("số đếm báo cáo theo kỳ và kế hoạch")
        verbose_name_plural = _("số đếm báo cáo theo kỳ và kế hoạch")
        indexes = [
            # The national dashboard's "chưa báo cáo": one period, a plan year.
            models.Index(fields=["period", "year", "province"], name="plan_period_tally_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} – {self.period}: {self.n}"


class LastUpdateTally(_SectionCount, _AgencyCount):
    """The newest progress update of a section's in-force assignments of an agency and role
    (none without one): the province dashboard's "cập nhật gần nhất" per agency, read from a
    few rows per (section, agency, role) rather than from every assignment of the scope and
    each one's updates (3 per assignment: ~21,000 index entries for the national dataset's
    busiest province, growing with the data). Kept with `AssignmentTally` by the same refresh,
    in the same slices (a progress report rewrites its agency and role's row of its section),
    and checked by the same recount. Every update is written by a service that refreshes it."""

    last_update_at = models.DateTimeField(_("cập nhật gần nhất"))

    class Meta:
        verbose_name = _("cập nhật gần nhất theo cơ quan")
        verbose_name_plural = _("cập nhật gần nhất theo cơ quan")
        indexes = [
            # A province's dashboard (province and plan year), the period page, the reports.
            models.Index(fields=["province", "year"], name="last_update_province_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} – {self.agency_id} – {self.role}: {self.last_update_at}"
