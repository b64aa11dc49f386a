"""The task list's filters: every one a GET parameter, so any view of the list is a link."""

import datetime
import functools
import operator
import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, Province
from agencies.roles import can_review_province
from parindex.core.search import MAX_WORDS, search_terms, words
from parindex.core.text import fold
from parindex.core.widgets import QuickSelect
from parindex.indices.models import Criterion, Index
from plans.models import Assignment, DeadlineExtension, Section
from plans.periods import YEARS, period_label
from plans.selectors import assignment_list, due_within_q, plans_offered, plans_visible_to
from plans.staleness import stale_q
from plans.timeliness import Timeliness, timeliness_q

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
# A quarter as people write it: "Quý III/2023", "quý 3 năm 2023", "Q3/2023", "3/2023", and the
# list's older links' "2023-Q3" (matched on the folded text: no case, no diacritics).
_QUARTER_FORMS = (
    re.compile(
        r"(?:quy|q)?\s*(?P<quarter>iv|i{1,3}|[1-4])\s*(?:/|-|\s|\s*nam\s)\s*(?P<year>[0-9]{4})"
    ),
    re.compile(r"(?P<year>[0-9]{4})\s*-\s*q(?P<quarter>[1-4])"),
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
QUARTER_NAMES = ("I", "II", "III", "IV")
NUL_REFUSED = "Có ký tự không hợp lệ (NUL)."
ID_REFUSED = "Mã không hợp lệ."


def quarter_of(text: str) -> tuple[int, int]:
    """(year, quarter) of "Quý III/2023" and the other forms above; a message naming the form
    otherwise."""
    folded = fold(text)
    for form in _QUARTER_FORMS:
        match = form.fullmatch(folded)
        if match and int(match["year"]) in YEARS:
            quarter = match["quarter"]
            return int(match["year"]), _ROMAN.get(quarter) or int(quarter)
    raise forms.ValidationError(
        f"Quý phải có dạng Quý III/2023 (hoặc Q3/2023, 3/2023), năm từ {YEARS[0]} đến {YEARS[-1]}."
    )


def quarter_label(text: str) -> str:
    """The quarter as the plans write it: "q3/2023" → "Quý III/2023"."""
    year, quarter = quarter_of(text)
    return f"Quý {QUARTER_NAMES[quarter - 1]}/{year}"


def quarter_bounds(text: str) -> tuple[datetime.date, datetime.date]:
    year, quarter = quarter_of(text)
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = datetime.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - datetime.timedelta(
        days=1
    )
    return start, end


class SearchField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        count = len(words(value))
        if count > MAX_WORDS:
            raise forms.ValidationError(f"Hãy tìm bằng tối đa {MAX_WORDS} từ (đã nhập {count} từ).")
        return value


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


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


class _PlanField(django_filters.fields.ModelChoiceField):
    # Its options are set by `AssignmentFilter.offer_plans` (the list's only form).
    widget = QuickSelect


class PlanFilter(django_filters.ModelChoiceFilter):
    field_class = _PlanField


def _within_years(day: datetime.date) -> None:
    # A day near the calendar's ends cannot be moved by the "due soon" window.
    if day.year not in YEARS:
        raise forms.ValidationError(f"Ngày phải thuộc các năm {YEARS[0]}–{YEARS[-1]}.")


REVIEW_CHOICES = [
    (Assignment.Review.PENDING.value, "Chờ xác nhận"),
    (Assignment.Review.RETURNED.value, "Trả lại"),
    (Assignment.Review.CONFIRMED.value, "Đã xác nhận"),
]


def text_q(query: str) -> Q:
    """Rows whose task (number, description, expected result) or agency name contain every
    word of `query`, in any order, an abbreviation standing for its words and the other way
    round (`parindex.core.search`). Folded substring tests only, a few per word."""

    def found(text):
        return Q(task__search_text__contains=text) | Q(agency__search_name__contains=text)

    condition = Q()
    for term in search_terms(query):
        condition &= functools.reduce(
            operator.or_,
            (functools.reduce(operator.and_, map(found, alternative)) for alternative in term),
        )
    return condition


def _plans(request):
    return plans_visible_to(user=request.user) if request else Assignment.objects.none()


class AssignmentFilter(django_filters.FilterSet):
    q = SearchFilter(label="Tìm", method="filter_text")
    plan = PlanFilter(
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
    # The agency's own due date, through its granted extension (`due_within_q`), as the
    # timeliness groups and the dashboard read it.
    due_after = django_filters.DateFilter(
        label="Hạn từ ngày", method="filter_due", input_formats=DATE_FORMATS
    )
    due_before = django_filters.DateFilter(
        label="Hạn đến ngày", method="filter_due", input_formats=DATE_FORMATS
    )
    quarter = QuarterFilter(label="Quý", method="filter_quarter")
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
    # Sở Nội vụ's queue of requests to decide, and the work whose due date was moved.
    extension = django_filters.ChoiceFilter(
        label="Gia hạn",
        choices=[("pending", "Chờ quyết định gia hạn"), ("granted", "Đã gia hạn")],
        method="filter_extension",
        empty_label="Tất cả",
    )
    # Sở Nội vụ's queue ("Chờ xác nhận": completions reported and not yet confirmed, the home
    # page's counter links here) and what came of it; for staff, the same about their own work.
    review = django_filters.ChoiceFilter(
        label="Xác nhận",
        choices=REVIEW_CHOICES,
        method="filter_review",
        empty_label="Tất cả",
    )

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
        search = self.form.fields["q"].widget
        search.input_type = "search"
        search.attrs.update({"aria-describedby": "q-help", "autocomplete": "off"})

    def offer_plans(self) -> bool:
        """Set the plan filter up for the list's form: a dropdown of the plans the user sees
        when they are few (`plans_offered`), else a hidden field the page's plan picker fills
        (`plans.selectors.plan_choices`). True for the picker. Not done in __init__: the export
        runs these filters without a form to show."""
        field = self.form.fields["plan"]
        offered = plans_offered(user=self.request.user)
        if offered is None:
            field.widget = forms.HiddenInput()
            return True
        # On the widget: the field's own choices setter (django-filter's) expects a queryset
        # iterator, and validating a choice reads the queryset anyway.
        field.widget.choices = [("", field.empty_label), *offered]
        return False

    def filter_text(self, queryset, name, value):
        return queryset.filter(text_q(value))

    def filter_review(self, queryset, name, value):
        if value == Assignment.Review.RETURNED:
            return queryset.filter(review=value)
        # Pending and confirmed are about completions: a "pending" left on work set back to
        # "in progress" is not waiting for anyone.
        return queryset.filter(status=Assignment.Status.DONE, review=value)

    def filter_timeliness(self, queryset, name, value):
        return queryset.filter(
            timeliness_q(value, self.form.cleaned_data.get("as_of") or self.today)
        )

    def filter_extension(self, queryset, name, value):
        if value == "pending":
            return queryset.filter(extension_status=DeadlineExtension.Status.PENDING)
        return queryset.filter(extended_to__isnull=False)

    def filter_nothing(self, queryset, name, value):
        return queryset  # as_of only changes how timeliness is read

    def filter_not_reported(self, queryset, name, value):
        return queryset.exclude(updates__period=value)

    def filter_due(self, queryset, name, value):
        if name == "due_after":
            return queryset.filter(due_within_q(queryset, start=value))
        return queryset.filter(due_within_q(queryset, end=value))

    def filter_quarter(self, queryset, name, value):
        start, end = quarter_bounds(value)
        return queryset.filter(due_within_q(queryset, start=start, end=end))

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


# The filters the list's form shows as fields; every other active one (a dashboard link's
# province, year, day, period, section or criterion) rides along as a hidden field, so
# refining the list keeps it. The order and page size stay too; the page number does not.
FORM_FIELDS = frozenset(
    {
        "q",
        "agency",
        "plan",
        "index",
        "role",
        "status",
        "timeliness",
        "review",
        "extension",
        "due_after",
        "due_before",
        "quarter",
        "withdrawn",
    }
)
KEPT_PARAMETERS = ("sort", "per_page")


@dataclass(frozen=True)
class Chip:
    """An active filter above the list: what it is, and the list without it."""

    name: str
    label: str
    value: str
    query: str  # the current query string without this filter (and without the page)


def _agency_name(pk, user):
    return Agency.objects.filter(pk=pk).values_list("name", flat=True).first()


def _section_name(pk, user):
    section = Section.objects.filter(pk=pk, plan__in=plans_visible_to(user=user)).first()
    return str(section) if section else None


def _criterion_name(pk, user):
    criterion = Criterion.objects.filter(pk=pk).first()
    return str(criterion)[:80] if criterion else None


def _province_name(pk, user):
    return Province.objects.filter(pk=pk).values_list("name", flat=True).first()


# Filters holding an id: the name shown on the chip, one query each, only when set.
_NAMES = {
    "agency": _agency_name,
    "section": _section_name,
    "criterion": _criterion_name,
    "province": _province_name,
}


def _shown(filterset, name: str, raw: str) -> str:
    """How a chip writes the filter's value: labels rather than codes, names rather than ids,
    dates as dd/mm/yyyy. An invalid value is shown as typed (its chip removes it)."""
    valid = filterset.is_valid()
    value = filterset.form.cleaned_data.get(name) if valid else None
    field = filterset.form.fields[name]
    if not valid or value in (None, ""):
        return raw
    if name == "q":
        return f"“{value}”"
    if name in _NAMES:
        return _NAMES[name](value, filterset.request.user) or raw
    if name == "plan":
        return value.picker_label()
    if name == "quarter":
        return quarter_label(value)
    if name == "not_reported":
        return period_label(value)
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return str(dict(field.choices).get(value, raw))
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def filter_chips(filterset) -> list[Chip]:
    """Every active filter of the list, in the form's order, each with the query string of the
    list without it."""
    params = filterset.data
    chips = []
    for name, filter_ in filterset.filters.items():
        raw = params.get(name, "") if params else ""
        if not raw.strip():
            continue
        rest = params.copy()
        for dropped in (name, "page"):
            rest.pop(dropped, None)
        chips.append(
            Chip(
                name=name,
                label=str(filter_.label),
                value=_shown(filterset, name, raw),
                query=rest.urlencode(),
            )
        )
    return chips


def kept_parameters(filterset) -> list[tuple[str, str]]:
    """The active parameters the form does not show as fields (see FORM_FIELDS), as hidden
    fields of the form."""
    params = filterset.data or {}
    names = [n for n in filterset.filters if n not in FORM_FIELDS] + list(KEPT_PARAMETERS)
    return [(name, params[name]) for name in names if params.get(name, "").strip()]
