from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.forms import (
    ROLE_HELP,
    LabelledChoicesMixin,
    MembershipForm,
    PasswordSetForm,
    UserCreateForm,
    UserEditForm,
)
from agencies.models import Agency, AgencyAlias, CollectiveName, Membership, Province
from parindex.core.audit import AuditedAdmin
from parindex.core.names import full_name
from parindex.core.text import fold


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "valid_from", "valid_to", "merged_into"]
    list_filter = ["kind", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code", "slug"]
    list_select_related = ["merged_into"]
    autocomplete_fields = ["merged_into"]
    ordering = ["code", "valid_from"]

    def get_search_results(self, request, queryset, search_term):
        """Each typed word in the name, the code or the slug (the name folded): "bac kan"
        finds Bắc Kạn."""
        words = search_term.split()
        for word in words:
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(code=word) | Q(slug__contains=fold(word))
            )
        return queryset, False


class AgencyAliasInline(admin.TabularInline):
    model = AgencyAlias
    extra = 1
    fields = ["alias"]


@admin.register(Agency)
class AgencyAdmin(LabelledChoicesMixin, AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "short_name",
        "province",
        "kind",
        "valid_from",
        "valid_to",
        "successor",
        "verified",
    ]
    list_filter = ["verified", "kind", ("valid_to", admin.EmptyFieldListFilter), "province"]
    # What the search box and every agency picker (autocomplete) match: see get_search_results.
    search_fields = ["name", "short_name", "search_name", "aliases__alias", "province__name"]
    list_select_related = ["province", "successor", "successor__province"]
    autocomplete_fields = ["province", "successor"]
    inlines = [AgencyAliasInline]
    actions = ["mark_verified"]

    def get_queryset(self, request):
        # Pickers label each agency with its province (Agency.choice_label).
        return super().get_queryset(request).select_related("province")

    def get_search_results(self, request, queryset, search_term):
        """Each typed word must be in the agency's name, short name or another name, or in its
        province's name, with or without diacritics: "so y te bac kan" finds Sở Y tế of Bắc Kạn
        (the province's slug, 06-bac-kan, is its name folded)."""
        words = search_term.split()
        if not words:
            return queryset, False
        for word in words:
            folded = fold(word)
            queryset = queryset.filter(
                Q(search_name__contains=folded)
                | Q(short_name__icontains=word)
                | Q(aliases__search_alias__contains=folded)
                | Q(province__name__icontains=word)
                | Q(province__slug__contains=folded)
            )
        return queryset, True

    @admin.action(description=_("Đánh dấu đã xác minh"))
    def mark_verified(self, request, queryset):
        # Saved one by one (not QuerySet.update) so each change is in the audit trail.
        for agency in queryset.filter(verified=False):
            agency.verified = True
            agency.save(update_fields=["verified"])


@admin.register(AgencyAlias)
class AgencyAliasAdmin(LabelledChoicesMixin, AuditedAdmin, admin.ModelAdmin):
    list_display = ["alias", "agency", "province"]
    search_fields = ["alias", "search_alias", "agency__name"]
    list_select_related = ["agency", "agency__province"]
    autocomplete_fields = ["agency"]

    @admin.display(description=_("tỉnh"), ordering="agency__province")
    def province(self, alias):
        return alias.agency.province


@admin.register(CollectiveName)
class CollectiveNameAdmin(LabelledChoicesMixin, admin.ModelAdmin):
    list_display = ["name", "province", "kinds"]
    list_filter = ["province"]
    search_fields = ["name", "search_name", "province__name"]
    list_select_related = ["province"]
    autocomplete_fields = ["province", "members"]

    @admin.display(description=_("gồm các loại cơ quan"))
    def kinds(self, collective):
        labels = dict(Agency.Kind.choices) | {CollectiveName.LOCAL: _("Chính quyền địa phương")}
        return ", ".join(str(labels.get(kind, kind)) for kind in collective.member_kinds)


@admin.register(Membership)
class MembershipAdmin(LabelledChoicesMixin, AuditedAdmin, admin.ModelAdmin):
    form = MembershipForm
    list_display = ["person", "role", "agency", "province"]
    list_filter = ["role", "agency__province"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "agency__name",
        "agency__province__name",
    ]
    list_select_related = ["user", "agency", "agency__province"]
    autocomplete_fields = ["user", "agency"]
    fieldsets = [(None, {"fields": ["user", "role", "agency"], "description": ROLE_HELP})]

    @admin.display(description=_("Họ và tên"), ordering="user__last_name")
    def person(self, membership):
        return full_name(membership.user)

    @admin.display(description=_("tỉnh"), ordering="agency__province")
    def province(self, membership):
        return membership.agency.province if membership.agency else "—"


class MembershipInline(LabelledChoicesMixin, admin.StackedInline):
    model = Membership
    form = MembershipForm
    can_delete = False
    # Every user gets a role (validated even when left at its default): without one the user
    # sees nothing in the app, which nobody adding a user means to do.
    min_num = 1
    autocomplete_fields = ["agency"]
    fieldsets = [(None, {"fields": ["role", "agency"], "description": ROLE_HELP})]


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class ParindexUserAdmin(LabelledChoicesMixin, AuditedAdmin, UserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    change_password_form = PasswordSetForm
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Họ tên và email"), {"fields": ("full_name", "email")}),
        (
            _("Quyền trong trang quản trị"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": _(
                    "Các quyền này chỉ dùng cho trang quản trị. Người dùng thấy và làm được gì "
                    "trong ứng dụng do vai trò và cơ quan ở dưới quyết định."
                ),
            },
        ),
        (_("Các mốc thời gian"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "email",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # Kept by Django, not typed by anyone (and their date-time inputs have no labels).
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["username", "person", "email", "role", "agency", "is_active"]
    list_filter = ["membership__role", "membership__agency__province", "is_active", "is_staff"]
    list_select_related = ["membership", "membership__agency", "membership__agency__province"]

    @admin.display(description=_("Họ và tên"), ordering="last_name")
    def person(self, user):
        return full_name(user)

    @admin.display(description=_("vai trò"), ordering="membership__role")
    def role(self, user):
        membership = getattr(user, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("cơ quan"), ordering="membership__agency__name")
    def agency(self, user):
        membership = getattr(user, "membership", None)
        return membership.agency.choice_label() if membership and membership.agency else "—"


@admin.register(Group)
class ParindexGroupAdmin(LabelledChoicesMixin, GroupAdmin):
    pass
