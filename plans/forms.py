from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Province
from parindex.core.numbers import format_size
from parindex.core.widgets import QuickSelect
from parindex.indices.models import Index
from plans.files.documents import ARCHIVE, DEFAULT_RECIPIENTS, FIELD_ERRORS
from plans.models import Assignment, Plan
from plans.periods import period_bounds, period_choices, period_label, period_of_day


def upload_within_limit(upload):
    """The uploaded workbook, refused before it is read when it is larger than the limit."""
    limit = settings.PARINDEX_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(f"Tệp lớn hơn giới hạn {format_size(limit)}.")
    return upload


class ProvinceChoiceForm(forms.Form):
    """A form whose `province` field offers the `provinces` given (those the user may act
    for), chosen in advance when there is only one."""

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        if provinces.count() == 1:
            self.fields["province"].initial = provinces.first()


class ImportForm(ProvinceChoiceForm):
    file = forms.FileField(
        label=_("Tệp phụ lục (.docx, .xlsx, .xls)"),
        help_text=_(
            "Văn bản kế hoạch (Word) có bảng phụ lục, hoặc bảng nhiệm vụ (Excel), có dòng tiêu đề cột."
        ),
    )
    province = forms.ModelChoiceField(label=_("Tỉnh"), queryset=Province.objects.none())
    plan_number = forms.CharField(
        label=_("Số hiệu kế hoạch"),
        required=False,
        max_length=50,
        help_text=_("Ví dụ 22/KH-UBND. Để trống nếu tệp ghi ở dòng tiêu đề hoặc đầu văn bản."),
    )
    plan_title = forms.CharField(label=_("Trích yếu"), required=False, max_length=1000)
    plan_date = forms.DateField(label=_("Ngày ban hành"), required=False, help_text=_("dd/mm/yyyy"))
    year = forms.IntegerField(
        label=_("Năm"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Để trống nếu tệp hoặc ngày ban hành cho biết năm."),
    )

    def clean_file(self):
        return upload_within_limit(self.cleaned_data["file"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


# How people type a date: 20/12/2024, 5/1/2024, 20-12-2024, 20.12.2024 (strptime's %d and %m
# take one digit too), and the ISO form a browser's native date picker sends.
TYPED_DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Tiến độ"), choices=Assignment.Status.choices)
    completed_on = forms.DateField(
        label=_("Ngày hoàn thành"),
        required=False,
        input_formats=TYPED_DATE_FORMATS,
        help_text=_("dd/mm/yyyy, khi đã hoàn thành"),
        error_messages={
            "invalid": _("Ngày không hợp lệ: hãy nhập theo dạng dd/mm/yyyy, ví dụ 20/12/2024.")
        },
        # A text field, so the server always reads dd/mm/yyyy; no numeric keypad (it has no
        # "/"): phones get the full keyboard and a calendar button (static/js/date-picker.js).
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off", "data-date-picker": ""},
        ),
    )
    note = forms.CharField(
        label=_("Kết quả thực hiện"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), required=False)
    files = MultipleFileField(
        label=_("Tài liệu kiểm chứng"),
        required=False,
        help_text=_("PDF, Word, Excel hoặc ảnh; mỗi tệp tối đa %(mb)s MB."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", "—"), *periods]
        mb = settings.PARINDEX_UPLOAD_MAX_BYTES // (1024 * 1024)
        self.fields["files"].help_text = self.fields["files"].help_text % {"mb": mb}
        self.fields["files"].widget.attrs["accept"] = ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.gif,.webp"

    def clean(self):
        data = super().clean()
        # One message per field: a date that did not read already says so.
        missing = not data.get("completed_on") and "completed_on" not in self.errors
        if data.get("status") == Assignment.Status.DONE and missing:
            self.add_error("completed_on", _("Hãy nhập ngày hoàn thành (dd/mm/yyyy)."))
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Xác nhận")), ("return", _("Trả lại"))])
    note = forms.CharField(
        label=_("Ý kiến / lý do trả lại"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DashboardForm(forms.Form):
    """Which province, plan year and reporting period the dashboard shows (GET parameters).

    By default: the current plan year (the latest year with plans, not after this one) and
    the period that holds today, so the numbers are as of today, like the home page's. The
    plan year may be left empty for every year (the home page's scope). The period is a code
    ("2026-Y"); a bare kind ("H1", older links) is the plan year's."""

    PERIODS = [("Q1", _("Quý I")), ("H1", _("6 tháng")), ("9M", _("9 tháng")), ("Y", _("Năm"))]

    province = forms.ModelChoiceField(
        label=_("Tỉnh"), queryset=Province.objects.none(), widget=QuickSelect
    )
    year = forms.IntegerField(
        label=_("Năm kế hoạch"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("Để trống: mọi năm."),
    )
    period = forms.CharField(
        label=_("Kỳ báo cáo"),
        max_length=20,
        error_messages={"max_length": _("Kỳ báo cáo không hợp lệ (ví dụ 2026-H1, 2026-Y).")},
    )
    plan = forms.ModelChoiceField(
        label=_("Kế hoạch"), queryset=Plan.objects.none(), required=False, empty_label=_("Tất cả")
    )
    index = forms.ChoiceField(
        label=_("Chỉ số"), choices=[("", _("Tất cả")), *Index.Code.choices], required=False
    )

    def __init__(self, data, *, provinces, today, national=False, **kwargs):
        province = provinces.first()
        latest = (
            Plan.objects.filter(province__in=provinces, year__lte=today.year)
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
        defaults = {
            "province": province.pk if province else None,
            "year": latest or today.year,
            "period": period_of_day(today),
        }
        merged = {**defaults, **(data.dict() if data else {})}
        if merged.get("period") in dict(self.PERIODS):  # older links: the plan year's period
            year = str(merged.get("year") or "")
            merged["period"] = f"{year if year.isdigit() else today.year}-{merged['period']}"
        super().__init__(merged, **kwargs)
        self.fields["province"].queryset = provinces
        if national:  # administrators may look at every province at once
            self.fields["province"].required = False
            self.fields["province"].empty_label = _("Toàn quốc (mọi tỉnh)")
        # The chosen province's plans; nationally, the plan year's (every plan of every year
        # of the country was ~500 options, a quarter of the national page's time to render).
        plans = Plan.objects.filter(province__in=provinces)
        chosen_province, chosen_year = str(self.data.get("province") or ""), self.data.get("year")
        if chosen_province.isdigit():
            plans = plans.filter(province_id=int(chosen_province))
        elif str(chosen_year or "").isdigit():
            plans = plans.filter(year=int(chosen_year))
        self.fields["plan"].queryset = plans.order_by("-year", "number")
        self.fields["plan"].widget = QuickSelect(
            choices=[
                ("", self.fields["plan"].empty_label),
                *_plan_options(plans, with_province=not chosen_province.isdigit()),
            ]
        )
        choices = period_choices(range(today.year - 5, today.year + 2))
        chosen = self.data.get("period", "")
        if chosen and chosen not in dict(choices) and _period_or_none(chosen):
            choices.append((chosen, period_label(chosen)))
        self.fields["period"].widget = forms.Select(choices=choices)

    def clean_period(self):
        value = self.cleaned_data["period"]
        try:
            period_bounds(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return value


def _plan_options(plans, *, with_province: bool) -> list[tuple[int, str]]:
    """The plan filter's options from (id, number, year[, province]) rows, not Plan objects: a
    national plan year offers a hundred plans (a thousand at ten times the data). Across
    provinces each plan is named with its province, and they come by province: plan numbers
    restart in every province."""
    if not with_province:
        rows = plans.values_list("pk", "number", "year").order_by("-year", "number")
        return [(pk, Plan.label(number, year)) for pk, number, year in rows]
    rows = plans.values_list("pk", "number", "year", "province__name", "province__kind").order_by(
        "-year", "province__name", "number"
    )
    return [
        (pk, Plan.picker_text(number, year, Province.name_as_said(name, kind)))
        for pk, number, year, name, kind in rows
    ]


def _period_or_none(code: str) -> str | None:
    try:
        period_bounds(code)
    except ValueError:
        return None
    return code


class OpenPeriodForm(ProvinceChoiceForm):
    province = forms.ModelChoiceField(label=_("Tỉnh"), queryset=Province.objects.none())
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("Kỳ"), choices=DashboardForm.PERIODS)


class SettleAliasForm(forms.Form):
    target = forms.ModelChoiceField(label=_("Là tên gọi khác của"), queryset=Agency.objects.none())

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = agencies


class SettleCollectiveForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Gồm các cơ quan"), queryset=Agency.objects.none()
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = agencies


class AgencyLookupForm(forms.Form):
    """What the task list's agency or plan picker has typed (GET ?q=)."""

    q = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"null_characters_not_allowed": _("Có ký tự không hợp lệ (NUL).")},
    )


class ListPageForm(forms.Form):
    """A list's page and rows per page (GET ?page=, ?per_page=), within what the database can
    be asked for: an offset or a limit past its integers was a 500."""

    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    per_page = forms.IntegerField(required=False, min_value=1, max_value=500)


class ExtensionRequestForm(forms.Form):
    requested_due = forms.DateField(
        label=_("Đề nghị gia hạn đến ngày"),
        help_text=_("dd/mm/yyyy"),
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        error_messages={
            "required": _("Hãy nhập ngày đề nghị gia hạn."),
            "invalid": _("Ngày phải có dạng dd/mm/yyyy."),
        },
    )
    reason = forms.CharField(
        label=_("Lý do"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Hãy ghi lý do đề nghị gia hạn.")},
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("grant", _("Gia hạn")), ("refuse", _("Không gia hạn"))])
    note = forms.CharField(
        label=_("Ý kiến / lý do không gia hạn"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportDocumentForm(forms.Form):
    """What the Sở Nội vụ clerk types on the report's request page: the document's number,
    signer and nơi nhận (Nghị định 30/2020/NĐ-CP). All optional: left empty, the draft keeps
    room for them. The workbook only carries the heading, so it asks only for the number."""

    number = forms.CharField(
        label=_("Số văn bản"),
        required=False,
        help_text=_(
            "Chỉ gồm chữ số, ví dụ 125: báo cáo ghi “Số: 125/BC-SNV”. Để trống, báo cáo để "
            "chỗ trống trước “/BC-SNV” cho văn thư ghi số."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8, "autocomplete": "off"}),
    )
    signer_title = forms.CharField(
        label=_("Quyền hạn, chức vụ người ký"),
        required=False,
        help_text=_(
            "Mỗi dòng một dòng của khối chữ ký, ví dụ “KT. GIÁM ĐỐC” rồi “PHÓ GIÁM ĐỐC”. Để trống: “GIÁM ĐỐC”."
        ),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )
    signer_name = forms.CharField(
        label=_("Họ và tên người ký"),
        required=False,
        help_text=_("Để trống, báo cáo để dòng chấm cho người ký."),
        widget=forms.TextInput(attrs={"size": 40, "autocomplete": "off"}),
    )
    recipients = forms.CharField(
        label=_("Nơi nhận"),
        required=False,
        initial="\n".join(f"- {name};" for name in DEFAULT_RECIPIENTS) + f"\n- {ARCHIVE}.",
        help_text=_(
            "Mỗi dòng một nơi nhận; dòng “Lưu: VT” luôn đứng cuối. Để trống: danh sách trên."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 40}),
    )

    def __init__(self, *args, extension: str, **kwargs):
        super().__init__(*args, **kwargs)
        if extension != "docx":
            for name in ("signer_title", "signer_name", "recipients"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            # One line ending, as stored on the job: browsers send CRLF.
            value = cleaned[name] = "\n".join(line.rstrip() for line in value.splitlines())
            if error := FIELD_ERRORS[name](value):
                self.add_error(name, error)
        return cleaned
