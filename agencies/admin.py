from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyAlias, CollectiveName, Membership, Province
from parindex.core.audit import AuditedAdmin


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "valid_from", "valid_to", "merged_into"]
    list_filter = ["kind", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code", "slug"]
    list_select_related = ["merged_into"]
    autocomplete_fields = ["merged_into"]
    ordering = ["code", "valid_from"]


class AgencyAliasInline(admin.TabularInline):
    model = AgencyAlias
    extra = 1
    fields = ["alias"]


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin, admin.ModelAdmin):
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
    search_fields = ["name", "short_name", "search_name", "aliases__alias", "province__name"]
    list_select_related = ["province", "successor", "successor__province"]
    autocomplete_fields = ["province", "successor"]
    inlines = [AgencyAliasInline]
    actions = ["mark_verified"]

    @admin.action(description=_("Đánh dấu đã xác minh"))
    def mark_verified(self, request, queryset):
        # Saved one by one (not QuerySet.update) so each change is in the audit trail.
        for agency in queryset.filter(verified=False):
            agency.verified = True
            agency.save(update_fields=["verified"])


@admin.register(AgencyAlias)
class AgencyAliasAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["alias", "agency", "agency__province"]
    search_fields = ["alias", "search_alias", "agency__name"]
    list_select_related = ["agency", "agency__province"]
    autocomplete_fields = ["agency"]


@admin.register(CollectiveName)
class CollectiveNameAdmin(admin.ModelAdmin):
    list_display = ["name", "province", "member_kinds"]
    list_filter = ["province"]
    search_fields = ["name", "search_name", "province__name"]
    list_select_related = ["province"]
    autocomplete_fields = ["province", "members"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["user", "role", "agency", "agency__province"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    list_select_related = ["user", "agency", "agency__province"]
    autocomplete_fields = ["user", "agency"]


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = False
    autocomplete_fields = ["agency"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ParindexUserAdmin(AuditedAdmin, UserAdmin):
    inlines = [MembershipInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "membership__role",
        "membership__agency",
        "is_active",
    ]
    list_select_related = ["membership", "membership__agency"]
