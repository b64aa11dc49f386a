from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from agencies.models import Province


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp phụ lục (.xlsx, .xls)"),
        help_text=_("Bảng nhiệm vụ của kế hoạch, có dòng tiêu đề cột."),
    )
    province = forms.ModelChoiceField(label=_("Tỉnh"), queryset=Province.objects.none())
    plan_number = forms.CharField(
        label=_("Số hiệu kế hoạch"),
        required=False,
        max_length=50,
        help_text=_("Ví dụ 22/KH-UBND. Để trống nếu tệp ghi ở dòng tiêu đề."),
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

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        if provinces.count() == 1:
            self.fields["province"].initial = provinces.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.PARINDEX_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp lớn hơn giới hạn %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
            )
        return upload
