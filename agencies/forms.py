"""Forms of the admin's user and membership pages, and the pickers that name agencies, users
and permissions so a person can tell them apart."""

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    SetUnusablePasswordMixin,
    UserChangeForm,
    UserCreationForm,
)
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership
from parindex.core.names import split_full_name, user_label

FULL_NAME_HELP = _("Họ, tên đệm và tên theo thứ tự tiếng Việt, ví dụ: Nguyễn Văn An.")
EMAIL_HELP = _("Nhắc hạn báo cáo và thư đặt lại mật khẩu được gửi tới địa chỉ này.")

# What role + agency grant, as plans.selectors (`tasks_visible_to`, `assignments_visible_to`)
# and agencies.roles decide it.
ROLE_HELP = _(
    "<p>Vai trò và cơ quan quyết định người dùng thấy và làm được gì:</p><ul>"
    "<li><strong>Cán bộ cơ quan</strong>: xem và báo cáo tiến độ các nhiệm vụ giao cho cơ quan "
    "đã chọn (cả nhiệm vụ của các cơ quan đã sáp nhập vào cơ quan đó), đề nghị gia hạn.</li>"
    "<li><strong>Chuyên viên Sở Nội vụ</strong>: chọn Sở Nội vụ của tỉnh; xem mọi nhiệm vụ của "
    "tỉnh đó (cả các tỉnh đã sáp nhập vào), nhập kế hoạch, xác nhận hoặc trả lại kết quả, mở "
    "kỳ báo cáo, gửi nhắc hạn, ghi kết quả chỉ số.</li>"
    "<li><strong>Lãnh đạo (chỉ xem)</strong>: xem nhiệm vụ và bảng tổng hợp của tỉnh có cơ quan "
    "đã chọn, không sửa được gì.</li>"
    "<li><strong>Quản trị hệ thống</strong>: xem mọi tỉnh, không cần chọn cơ quan.</li>"
    "</ul><p>Người dùng chưa có vai trò không thấy nhiệm vụ nào. Trang quản trị này chỉ mở cho "
    "tài khoản được đánh dấu “được vào trang quản trị”.</p>"
)

_ACTIONS = {
    "add": _("Được thêm"),
    "change": _("Được sửa"),
    "delete": _("Được xóa"),
    "view": _("Được xem"),
}


def permission_label(permission) -> str:
    """ "Tỉnh và cơ quan | cơ quan | Được thêm" for Django's "Can add cơ quan", whose name is
    written in English into the database when the tables are made; other permissions keep
    their own name."""
    content_type = permission.content_type
    model = content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None or action not in _ACTIONS or model_name != content_type.model:
        return str(permission)
    app = apps.get_app_config(content_type.app_label).verbose_name
    return f"{app} | {model._meta.verbose_name} | {_ACTIONS[action]}"


def label_choices(formfield, db_field):
    """Give a model choice field the label that tells its rows apart (see `permission_label`,
    `Agency.choice_label`, `user_label`), with the joins the labels read."""
    if formfield is None or not hasattr(formfield, "label_from_instance"):
        return formfield
    related = db_field.related_model
    if related._meta.label == "auth.Permission":
        formfield.label_from_instance = permission_label
        formfield.queryset = formfield.queryset.select_related("content_type")
    elif related._meta.label == "agencies.Agency":
        formfield.label_from_instance = related.choice_label
        formfield.queryset = formfield.queryset.select_related("province")
    elif related is get_user_model():
        formfield.label_from_instance = user_label
    return formfield


class LabelledChoicesMixin:
    """For a ModelAdmin or inline: every agency, user and permission picker names its rows
    with `label_choices`."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return label_choices(
            super().formfield_for_foreignkey(db_field, request, **kwargs), db_field
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return label_choices(formfield, db_field)


class FullNameMixin(forms.Form):
    """One "Họ và tên" field for Django's two name fields (see parindex.core.names)."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=300, help_text=FULL_NAME_HELP)

    def clean_full_name(self) -> str:
        first, last = split_full_name(self.cleaned_data["full_name"])
        if not last:
            raise forms.ValidationError(_("Nhập họ và tên của người dùng."))
        if len(first) > 150 or len(last) > 150:
            raise forms.ValidationError(_("Họ và tên quá dài (tối đa 150 ký tự mỗi phần)."))
        return f"{first} {last}".strip()

    def _store_full_name(self, user) -> None:
        user.first_name, user.last_name = split_full_name(self.cleaned_data["full_name"])


class UserCreateForm(FullNameMixin, UserCreationForm):
    """Users sign in with a password only (no single sign-on), so the password is asked for
    here, not made optional as Django's admin form does ("Password-based authentication")."""

    email = forms.EmailField(label=_("Email"), required=True, help_text=EMAIL_HELP)

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def save(self, commit=True):
        self._store_full_name(self.instance)
        return super().save(commit=commit)


class UserEditForm(FullNameMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        fields = ("username", "password", "email", "is_active", "is_staff", "is_superuser")
        fields += ("groups", "user_permissions", "last_login", "date_joined")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = EMAIL_HELP
        if self.instance.pk:
            self.fields["full_name"].initial = self.instance.get_full_name().strip()

    def save(self, commit=True):
        self._store_full_name(self.instance)
        return super().save(commit=commit)


class PasswordSetForm(AdminPasswordChangeForm):
    # Django writes this warning in English without gettext.
    usable_password_help_text = format_lazy(
        "{}{}",
        SetUnusablePasswordMixin.usable_password_help_text,
        mark_safe(
            '<ul id="id_unusable_warning" class="messagelist"><li class="warning">'
            "Nếu tắt, mật khẩu hiện tại của người dùng này sẽ mất.</li></ul>"
        ),
    )


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("role", "agency")

    def clean(self):
        cleaned = super().clean()
        role, agency = cleaned.get("role"), cleaned.get("agency")
        if role and role != Membership.Role.ADMIN and agency is None:
            self.add_error(
                "agency",
                _(
                    "Chọn cơ quan: vai trò “%(role)s” chỉ thấy nhiệm vụ của cơ quan hoặc tỉnh "
                    "của cơ quan được chọn."
                )
                % {"role": Membership.Role(role).label},
            )
        return cleaned
