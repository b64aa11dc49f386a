"""The task list's filters: every one a GET parameter, so any view of the list is a link."""

import datetime
import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.utils import timezone

from agencies.roles import can_review_province
from parindex.core.text import fold
from parindex.indices.models import Index
from plans.models import Assignment
from plans.periods import YEARS
from plans.selectors import assignment_list, plans_visible_to
from plans.staleness import stale_q
from plans.timeliness import Timeliness, timeliness_q

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
_QUARTER = re.compile(r"(?P<year>[0-9]{4})-Q(?P<quarter>[1-4])")
NUL_REFUSED = "Có ký tự không hợp lệ (NUL)."
ID_REFUSED = "Mã không hợp lệ."


def quarter_bounds(text: str) -> tuple[datetime.date, datetime.date]:
    match = _QUARTER.fullmatch(text.strip().upper())
    if not match or int(match["year"]) not in YEARS:
        raise forms.ValidationError(
            f"Quý phải có dạng NĂM-Qn, ví dụ 2023-Q3 (năm từ {YEARS[0]} đến {YEARS[-1]})."
        )
    year, quarter = int(match["year"]), int(match["quarter"])
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = datetime.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - datetime.timedelta(
        days=1
    )
    return start, end


class QuarterField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value:
            quarter_bounds(value)
        return value


class QuarterFilter(django_filters.CharFilter):
    field_class = QuarterField


class CheckboxFilter(django_filters.BooleanFilter):
    """A checkbox: ticked is true (whatever value the browser sends), absent is false."""

    field_class = forms.BooleanField


class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number that fits the column. A longer one is the form's error, not
    the database's (SQLite cannot even bind it)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        messages = dict.fromkeys(("invalid", "min_value", "max_value"), ID_REFUSED)
        super().__init__(*args, min_value=1, error_messages=messages, **kwargs)

    def get_max_validator(self):
        return MaxValueValidator(2**63 - 1)


def _within_years(day: datetime.date) -> None:
    # A day near the calendar's ends cannot be moved by the "due soon" window.
    if day.year not in YEARS:
        raise forms.ValidationError(f"Ngày phải thuộc các năm {YEARS[0]}–{YEARS[-1]}.")


def _plans(request):
    return plans_visible_to(user=request.user) if request else Assignment.objects.none()


class AssignmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Tìm", method="filter_text")
    plan = django_filters.ModelChoiceFilter(
        label="Kế hoạch", field_name="task__plan", queryset=_plans, empty_label="Tất cả"
    )
    index = django_filters.ChoiceFilter(
        label="Chỉ số",
        field_name="task__plan__indices__code",
        choices=Index.Code.choices,
        empty_label="Tất cả",
    )
    section = IdFilter(label="Mục", field_name="task__section_id")
    agency = IdFilter(label="Cơ quan", field_name="agency_id")
    role = django_filters.ChoiceFilter(
        label="Vai trò", choices=Assignment.Role.choices, empty_label="Tất cả"
    )
    status = django_filters.ChoiceFilter(
        label="Tiến độ", choices=Assignment.Status.choices, empty_label="Tất cả"
    )
    timeliness = django_filters.ChoiceFilter(
        label="Thời hạn",
        choices=Timeliness.choices,
        method="filter_timeliness",
        empty_label="Tất cả",
    )
    due_after = django_filters.DateFilter(
        label="Hạn từ ngày",
        field_name="task__due_on",
        lookup_expr="gte",
        input_formats=DATE_FORMATS,
    )
    due_before = django_filters.DateFilter(
        label="Hạn đến ngày",
        field_name="task__due_on",
        lookup_expr="lte",
        input_formats=DATE_FORMATS,
    )
    quarter = QuarterFilter(label="Quý (vd 2023-Q3)", method="filter_quarter")
    criterion = IdFilter(label="Tiêu chí", field_name="task__criteria")
    # Used by the dashboard's links: a province and plan year, the day timeliness is read at
    # (a period's cut-off), and "no report for this period".
    province = IdFilter(label="Tỉnh", field_name="task__plan__province_id")
    year = django_filters.NumberFilter(label="Năm kế hoạch", field_name="task__plan__year")
    as_of = django_filters.DateFilter(
        label="Tính đến ngày",
        method="filter_nothing",
        input_formats=DATE_FORMATS,
        validators=[_within_years],
    )
    not_reported = django_filters.CharFilter(label="Chưa báo cáo kỳ", method="filter_not_reported")
    # Which rows the list starts from is the selector's choice (`assignments_filtered`); the
    # filter is here for the form, and offered only to those who may see withdrawn tasks.
    withdrawn = CheckboxFilter(label="Đã rút khỏi kế hoạch", method="filter_nothing")

    class Meta:
        model = Assignment
        fields = []

    def __init__(self, *args, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if not (self.request and can_review_province(self.request.user)):
            del self.filters["withdrawn"]
        for name in ("due_after", "due_before", "as_of"):
            self.filters[name].field.error_messages["invalid"] = "Ngày phải có dạng dd/mm/yyyy."
        for field in self.form.fields.values():
            field.error_messages["null_characters_not_allowed"] = NUL_REFUSED

    def filter_text(self, queryset, name, value):
        folded = fold(value)
        if not folded:
            return queryset
        return queryset.filter(
            Q(task__search_text__contains=folded) | Q(agency__search_name__contains=folded)
        )

    def filter_timeliness(self, queryset, name, value):
        return queryset.filter(
            timeliness_q(value, self.form.cleaned_data.get("as_of") or self.today)
        )

    def filter_nothing(self, queryset, name, value):
        return queryset  # as_of only changes how timeliness is read

    def filter_not_reported(self, queryset, name, value):
        return queryset.exclude(updates__period=value)

    def filter_quarter(self, queryset, name, value):
        start, end = quarter_bounds(value)
        return queryset.filter(task__due_on__gte=start, task__due_on__lte=end)

    # The dashboard's "lâu chưa cập nhật" link (plans.staleness), read as of `as_of` like
    # the timeliness groups.
    stale = CheckboxFilter(label="Lâu chưa cập nhật", method="filter_stale")

    def filter_stale(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(stale_q(self.form.cleaned_data.get("as_of") or self.today))


@dataclass(frozen=True)
class _Requester:
    """What the filters read of a request (the user, for the plans offered): the same filters
    run in a view and, for the export, in the job worker, where there is no request."""

    user: object


def _as_of(params, today: datetime.date) -> datetime.date:
    """The day timeliness is read at: `as_of` from a dashboard link, else today (also when it is
    out of range: the filter form then refuses it)."""
    text = params.get("as_of", "")
    for pattern in DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return day if day.year in YEARS else today
    return today


def _withdrawn(params) -> bool:
    """Whether the list shows the withdrawn tasks' assignments instead of those in force."""
    return bool(params) and CheckboxFilter.field_class(required=False).clean(
        params.get("withdrawn")
    )


def assignments_filtered(*, user, params, today: datetime.date):
    """The task list for `user` with the GET parameters `params` (a QueryDict): the filterset
    (for its form) and the rows. A wrong parameter gives no rows, with its message on the form,
    rather than a silently wider list."""
    today = _as_of(params, today)
    base = assignment_list(user=user, today=today, withdrawn=_withdrawn(params))
    filterset = AssignmentFilter(
        params or None, queryset=base, request=_Requester(user), today=today
    )
    if filterset.is_bound and not filterset.is_valid():
        return filterset, base.none()
    return filterset, filterset.qs
