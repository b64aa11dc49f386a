from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from agencies.forms import LabelledChoicesMixin
from parindex.core.audit import AuditedAdmin
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
from plans.tallies import tallies_refresh

# How a row reaches the progress reported under it, for the refusal below.
_UPDATES_UNDER = {
    Section: "assignment__task__section",
    Task: "assignment__task",
    Assignment: "assignment",
}
# What to do instead of deleting a row that carries history.
_INSTEAD = {
    Task: (
        " Nếu nhiệm vụ không còn trong kế hoạch, hãy ghi “rút khỏi kế hoạch lúc” ở trang nhiệm vụ."
    ),
    Assignment: (
        " Nếu cơ quan không còn được giao, hãy ghi “không còn được giao từ” ở trang phân công."
    ),
}


class KeepHistoryInlineFormSet(BaseInlineFormSet):
    """An inline whose delete box refuses, with the reason, rows under which progress was
    reported (PROTECT would refuse them anyway). Django's own refusal says the same in English,
    but its Vietnamese translation reads "… sẽ tự động xóa các đối tượng liên quan sau" (will
    delete the following), the opposite of what happens."""

    def clean(self):
        refusals = []
        for form in self.initial_forms:
            if not (self.can_delete and self._should_delete_form(form)):
                continue
            row = form.instance
            updates = ProgressUpdate.objects.filter(**{_UPDATES_UNDER[type(row)]: row}).count()
            if updates:
                refusals.append(
                    f"Không xóa được {row._meta.verbose_name} “{row}”: đã có {updates} lần cập "
                    "nhật tiến độ, và lịch sử báo cáo cùng tài liệu kiểm chứng không bao giờ bị "
                    f"xóa.{_INSTEAD.get(type(row), '')}"
                )
        if refusals:
            raise ValidationError(refusals)
        super().clean()


class SectionInline(admin.TabularInline):
    model = Section
    formset = KeepHistoryInlineFormSet
    extra = 0
    fields = ["position", "annex", "sheet", "number", "title"]


class TaskInline(admin.TabularInline):
    model = Task
    formset = KeepHistoryInlineFormSet
    extra = 0
    fields = ["position", "section", "number", "description", "deadline_text", "due_on"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section")


# How a row reaches the sections whose dashboard counters it is part of.
_SECTION_OF = {
    Plan: "sections__pk",
    Section: "pk",
    Task: "section_id",
    Assignment: "task__section_id",
}


def _sections_of(model, pk) -> set[int]:
    if pk is None:
        return set()
    return set(model.objects.filter(pk=pk).values_list(_SECTION_OF[model], flat=True)) - {None}


class RefreshesTallies:
    """An admin edit or delete changes what the dashboard counts (a status, a due date, a
    withdrawal, a task moved to another section): the sections it touched, before and after,
    are recounted (`plans.tallies`) in the admin's own transaction."""

    def save_model(self, request, obj, form, change):
        request._tally_sections = _sections_of(type(obj), obj.pk)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_tally_sections", set())
        tallies_refresh(section_ids=before | _sections_of(type(obj), obj.pk))

    def delete_model(self, request, obj):
        sections = _sections_of(type(obj), obj.pk)
        super().delete_model(request, obj)
        tallies_refresh(section_ids=sections)

    def delete_queryset(self, request, queryset):
        sections = set(queryset.values_list(_SECTION_OF[queryset.model], flat=True).order_by()) - {
            None
        }
        super().delete_queryset(request, queryset)
        tallies_refresh(section_ids=sections)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin page that lists and shows rows, and never adds, changes or deletes one."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(RefreshesTallies, AuditedAdmin, admin.ModelAdmin):
    list_display = ["number", "year", "province", "title", "issued_on", "base_year", "target_year"]
    list_filter = ["year", "indices", "province"]
    search_fields = ["number", "title", "province__name"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]
    filter_horizontal = ["indices"]
    inlines = [SectionInline, TaskInline]


@admin.register(Section)
class SectionAdmin(RefreshesTallies, AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "plan", "annex", "sheet", "position"]
    list_filter = ["plan__year"]
    search_fields = ["title", "number", "plan__number"]
    list_select_related = ["plan"]
    autocomplete_fields = ["plan"]


class AssignmentInline(LabelledChoicesMixin, admin.TabularInline):
    model = Assignment
    formset = KeepHistoryInlineFormSet
    extra = 1
    fields = ["agency", "role", "status", "completed_on", "review", "source_text"]
    autocomplete_fields = ["agency"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency")


@admin.register(Task)
class TaskAdmin(RefreshesTallies, AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "number",
        "description_short",
        "plan",
        "section",
        "deadline_text",
        "deadline_kind",
        "due_on",
        "withdrawn_at",
    ]
    list_filter = [
        "deadline_kind",
        ("withdrawn_at", admin.EmptyFieldListFilter),
        "plan__year",
        "plan__indices",
    ]
    search_fields = ["number", "description", "deadline_text", "plan__number"]
    list_select_related = ["plan", "section"]
    autocomplete_fields = ["plan", "section", "criteria"]
    date_hierarchy = "due_on"
    inlines = [AssignmentInline]

    @admin.display(description="Nhiệm vụ")
    def description_short(self, obj):
        return obj.description[:100]


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0
    fields = ["created_at", "author", "kind", "status", "completed_on", "note", "period"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(RefreshesTallies, LabelledChoicesMixin, AuditedAdmin, admin.ModelAdmin):
    list_display = ["task", "agency", "role", "status", "completed_on", "review", "updated_at"]
    list_filter = ["role", "status", "review", "task__plan__year"]
    search_fields = ["task__description", "task__number", "agency__name"]
    list_select_related = ["task", "agency"]
    autocomplete_fields = ["task", "agency", "reviewed_by"]
    # Only a decision on a request (plans.services.deadline_extension_decide) moves it.
    readonly_fields = ["extended_to"]
    inlines = [ProgressUpdateInline]
    # Links from elsewhere filter by agency or province without listing thousands of choices.
    extra_lookups = {
        "agency__id__exact",
        "task__plan__province__id__exact",
        "task__due_on__gte",
        "task__due_on__lte",
    }

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.extra_lookups or super().lookup_allowed(lookup, value, request)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    # Not the FileField itself: its link points at /media/, which is never served (uploads
    # go out only through the checked download view).
    fields = readonly_fields = ["download", "content_type", "size", "sha256"]
    can_delete = False

    @admin.display(description="Tệp minh chứng")
    def download(self, evidence):
        url = reverse("plans:evidence_download", args=[evidence.pk])
        return format_html('<a href="{}">{}</a>', url, evidence.original_name)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    """Read-only: the history is append-only."""

    list_display = ["created_at", "assignment", "author", "kind", "status", "period"]
    list_filter = ["kind", "status", "period"]
    search_fields = ["note", "assignment__agency__name", "assignment__task__description"]
    list_select_related = ["assignment__task", "assignment__agency", "author"]
    inlines = [EvidenceInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "file_name", "plan", "created_by", "dry_run", "succeeded"]
    list_filter = ["dry_run", "succeeded"]
    search_fields = ["file_name", "sha256", "plan__number"]
    list_select_related = ["plan", "created_by"]
    readonly_fields = [
        "created_at",
        "created_by",
        "plan",
        "file_name",
        "sha256",
        "dry_run",
        "succeeded",
        "summary",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Evidence)
class EvidenceAdmin(AuditedAdmin, ReadOnlyAdmin):
    """Read-only list of evidence files; files are served only through the permission-checked
    task pages, so the admin shows their names, not links. Never deleted: evidence is part of
    the append-only history."""

    list_display = ["original_name", "content_type", "size", "update"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["update__assignment__task", "update__assignment__agency"]
    fields = ["original_name", "content_type", "size", "sha256", "update"]
    readonly_fields = fields


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["code", "province", "opened_by", "opened_at"]
    list_filter = ["code"]
    search_fields = ["code", "province__name"]
    list_select_related = ["province", "opened_by"]
    autocomplete_fields = ["province"]


@admin.register(FileJob)
class FileJobAdmin(ReadOnlyAdmin):
    """Read-only: jobs are made by the file pages and run by the worker; `task_result_id` is
    the task in "Task Results" (django-tasks-db). The file itself is downloaded by its
    requester only, from the job's page. Not deleted here either: the worker deletes jobs with
    their files after PARINDEX_JOBS_KEEP_HOURS, and a row deleted here would leave its file
    behind."""

    list_display = ["created_at", "kind", "requested_by", "status", "file_name", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["requested_by__username", "file_name"]
    list_select_related = ["requested_by"]
    fields = [
        "kind",
        "params",
        "requested_by",
        "status",
        "attempts",
        "task_result_id",
        "worker",
        "file_name",
        "content_type",
        "size",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(AuditedAdmin, ReadOnlyAdmin):
    """Read-only: requests and decisions are history; they are made on the task page."""

    list_display = [
        "requested_at",
        "assignment",
        "due_before",
        "requested_due",
        "status",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status"]
    search_fields = ["reason", "assignment__agency__name", "assignment__task__description"]
    list_select_related = ["assignment__task", "assignment__agency", "decided_by"]
    fields = [
        "assignment",
        "requested_by",
        "requested_at",
        "due_before",
        "requested_due",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields
