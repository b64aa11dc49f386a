from django import forms

from parindex.core.numbers import parse_typed
from parindex.indices.models import Criterion, Edition, Index
from plans.forms import ProvinceChoiceForm, upload_within_limit


class IndicesForm(forms.Form):
    province = forms.ModelChoiceField(label="Tỉnh", queryset=None)
    index = forms.ModelChoiceField(
        label="Chỉ số", queryset=Index.objects.all(), to_field_name="code"
    )
    year = forms.IntegerField(label="Năm", required=False, min_value=2000, max_value=2100)

    def __init__(self, data, *, provinces):
        first_index = Index.objects.order_by("pk").first()
        defaults = {
            "province": provinces.first().pk if provinces.exists() else None,
            "index": first_index.code if first_index else None,
        }
        super().__init__({**defaults, **(data.dict() if data else {})})
        self.fields["province"].queryset = provinces


def _decimal_or_none(text: str, label: str):
    try:
        return parse_typed(text)
    except ValueError:
        raise forms.ValidationError(f"{label} phải là số, ví dụ 84,69.") from None


class ResultImportForm(ProvinceChoiceForm):
    """What a results workbook belongs to, and the overall figures the workbook does not hold."""

    province = forms.ModelChoiceField(label="Tỉnh", queryset=None)
    index = forms.ModelChoiceField(
        label="Chỉ số", queryset=Index.objects.all(), to_field_name="code"
    )
    year = forms.IntegerField(label="Năm", min_value=2000, max_value=2100)
    total = forms.CharField(
        label="Tổng điểm",
        required=False,
        max_length=20,
        help_text="Ví dụ 84,69; để trống nếu chưa có.",
    )
    maximum = forms.CharField(
        label="Điểm tối đa",
        required=False,
        max_length=20,
        help_text="Để trống: theo phiên bản phương pháp (100, 60, 80...).",
    )
    rank = forms.IntegerField(label="Xếp hạng", required=False, min_value=1, max_value=100)
    rank_of = forms.IntegerField(label="Trên tổng số", required=False, min_value=1, max_value=100)
    band = forms.CharField(label="Xếp loại, nhóm", required=False, max_length=50)
    file = forms.FileField(
        label="Tệp kết quả (.xlsx, .xls)",
        help_text="Một dòng tiêu đề, rồi mỗi dòng một tiêu chí: mã, điểm đạt, điểm tối đa.",
    )

    def clean_total(self):
        return _decimal_or_none(self.cleaned_data["total"], "Tổng điểm")

    def clean_maximum(self):
        return _decimal_or_none(self.cleaned_data["maximum"], "Điểm tối đa")

    def clean_file(self):
        return upload_within_limit(self.cleaned_data["file"])

    def clean(self):
        data = super().clean()
        index, year = data.get("index"), data.get("year")
        if index and year:
            data["edition"] = index.edition_for(year)
            if data["edition"] is None:
                self.add_error("year", f"{index} chưa có phiên bản phương pháp áp dụng năm {year}.")
        total, maximum = data.get("total"), data.get("maximum")
        if total is not None and maximum is not None and total > maximum:
            self.add_error("total", "Tổng điểm lớn hơn điểm tối đa.")
        rank, rank_of = data.get("rank"), data.get("rank_of")
        if rank and rank_of and rank > rank_of:
            self.add_error("rank", "Xếp hạng lớn hơn tổng số tỉnh.")
        return data


class CriterionLinkForm(forms.Form):
    criterion = forms.ModelChoiceField(label="Tiêu chí", queryset=Criterion.objects.all())
    action = forms.ChoiceField(choices=[("link", "Gắn"), ("unlink", "Bỏ gắn")])


class StatementForm(forms.Form):
    """Accept a score statement as a criterion's score (or the total), or dismiss it."""

    task = forms.IntegerField()
    text = forms.CharField(max_length=500)
    index = forms.ModelChoiceField(queryset=Index.objects.all(), to_field_name="code")
    year = forms.IntegerField(min_value=2000, max_value=2100)
    # "total" for the index total, else a criterion id.
    target = forms.CharField(required=False, max_length=20)
    decision = forms.ChoiceField(choices=[("accept", "Ghi nhận"), ("dismiss", "Bỏ qua")])

    def clean(self):
        data = super().clean()
        target = data.get("target", "")
        if data.get("decision") == "accept" and not (target == "total" or target.isdigit()):
            raise forms.ValidationError("Hãy chọn tiêu chí (hoặc tổng điểm) để ghi nhận điểm số.")
        return data


class CriteriaImportForm(forms.Form):
    """The edition a criteria workbook is the tree of."""

    edition = forms.ModelChoiceField(
        label="Phiên bản phương pháp",
        queryset=Edition.objects.select_related("index").order_by("index_id", "first_year"),
    )
    file = forms.FileField(
        label="Tệp bộ tiêu chí (.xlsx, .xls)",
        help_text=(
            "Một dòng tiêu đề, rồi mỗi dòng một lĩnh vực, tiêu chí hoặc tiêu chí thành phần: "
            "mã (1, 1.1, 1.1.2), tên, điểm tối đa, cấp (tùy chọn)."
        ),
    )

    def clean_file(self):
        return upload_within_limit(self.cleaned_data["file"])


class SuggestionDecisionForm(forms.Form):
    """Sở Nội vụ's answers on the bulk screen: for each suggestion shown, accept (link),
    reject, or leave it for later. Field names are `s-<task id>-<criterion id>`."""

    def __init__(self, data, *, offered: set[tuple[int, int]]):
        super().__init__(data)
        self.offered = offered

    def clean(self):
        decisions: dict[tuple[int, int], str] = {}
        for key, value in self.data.items():
            if not key.startswith("s-") or value not in {"accept", "reject"}:
                continue
            task_id, _, criterion_id = key[2:].partition("-")
            if not (task_id.isascii() and task_id.isdigit()) or not (
                criterion_id.isascii() and criterion_id.isdigit()
            ):
                continue
            pair = (int(task_id), int(criterion_id))
            if pair not in self.offered:
                raise forms.ValidationError(
                    "Gợi ý này không còn (có thể đã được xử lý hoặc kế hoạch vừa được nhập lại); "
                    "hãy tải lại trang."
                )
            decisions[pair] = value
        if not decisions:
            raise forms.ValidationError("Hãy chọn Gắn hoặc Bỏ qua cho ít nhất một gợi ý.")
        return {"decisions": decisions}
