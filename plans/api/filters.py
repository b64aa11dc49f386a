"""The API's filters: the task list's own (`plans.filters.AssignmentFilter`, through
`assignments_filtered`), and a few plain ones for the other resources."""

import django_filters
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from agencies.models import Agency
from parindex.core.text import fold
from parindex.indices.models import Criterion, Result
from plans.filters import assignments_filtered
from plans.models import DeadlineExtension, Evidence, ProgressUpdate, Section, Task


def form_errors(form_or_errors) -> dict:
    """A form's errors as the API answers them: {field: [messages]}, the form-wide ones under
    `non_field_errors`."""
    errors = getattr(form_or_errors, "errors", form_or_errors)
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in errors.items()
    }


class TaskListFilterBackend(DjangoFilterBackend):
    """The task list's filters, rules and rows (`plans.filters.assignments_filtered`: the
    user's visible assignments, `withdrawn` and `as_of` included), so the API and the page
    never disagree on what a filter means. Built on django-filter's backend only for the
    schema, which documents every filter of `AssignmentFilter`; the rows are the task
    list's, and a wrong value is a 400 naming it (the page shows an empty list instead)."""

    def filter_queryset(self, request, queryset, view):
        if view.action != "list":
            return queryset
        filterset, rows = assignments_filtered(
            user=request.user, params=request.query_params, today=timezone.localdate()
        )
        if filterset.is_bound and not filterset.is_valid():
            raise ValidationError(form_errors(filterset.form))
        return rows


class ValidatingFilterBackend(DjangoFilterBackend):
    """django-filter's backend answering a wrong value with its Vietnamese message (400)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(form_errors(filterset.form))
        return filterset.qs


class SectionFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", label="Kế hoạch")

    class Meta:
        model = Section
        fields = []


class TaskFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", label="Kế hoạch")
    section = django_filters.NumberFilter(field_name="section_id", label="Mục")
    criterion = django_filters.NumberFilter(field_name="criteria", label="Tiêu chí")
    q = django_filters.CharFilter(method="filter_text", label="Tìm (không cần dấu)")

    class Meta:
        model = Task
        fields = []

    def filter_text(self, queryset, name, value):
        for word in fold(value).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset


class ProgressUpdateFilter(django_filters.FilterSet):
    assignment = django_filters.NumberFilter(field_name="assignment_id", label="Phân công")
    task = django_filters.NumberFilter(field_name="assignment__task_id", label="Nhiệm vụ")
    kind = django_filters.ChoiceFilter(choices=ProgressUpdate.Kind.choices, label="Loại")
    period = django_filters.CharFilter(label="Kỳ báo cáo")
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Ghi từ lúc (ISO 8601)"
    )

    class Meta:
        model = ProgressUpdate
        fields = []


class EvidenceFilter(django_filters.FilterSet):
    update = django_filters.NumberFilter(field_name="update_id", label="Cập nhật")
    assignment = django_filters.NumberFilter(field_name="update__assignment_id", label="Phân công")

    class Meta:
        model = Evidence
        fields = []


class ExtensionFilter(django_filters.FilterSet):
    assignment = django_filters.NumberFilter(field_name="assignment_id", label="Phân công")
    status = django_filters.ChoiceFilter(
        choices=DeadlineExtension.Status.choices, label="Trạng thái"
    )

    class Meta:
        model = DeadlineExtension
        fields = []


class AgencyFilter(django_filters.FilterSet):
    province = django_filters.NumberFilter(field_name="province_id", label="Tỉnh")
    verified = django_filters.BooleanFilter(label="Đã xác định")
    q = django_filters.CharFilter(method="filter_text", label="Tìm theo tên (không cần dấu)")

    class Meta:
        model = Agency
        fields = []

    def filter_text(self, queryset, name, value):
        return queryset.filter(search_name__contains=fold(value))


class CriterionFilter(django_filters.FilterSet):
    edition = django_filters.NumberFilter(field_name="edition_id", label="Phiên bản chỉ số")
    index = django_filters.CharFilter(field_name="edition__index__code", label="Mã chỉ số")

    class Meta:
        model = Criterion
        fields = []


class ResultFilter(django_filters.FilterSet):
    province = django_filters.NumberFilter(field_name="province_id", label="Tỉnh")
    index = django_filters.CharFilter(field_name="index__code", label="Mã chỉ số")
    year = django_filters.NumberFilter(label="Năm")

    class Meta:
        model = Result
        fields = []
