from django import forms

from parindex.models import Index


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
