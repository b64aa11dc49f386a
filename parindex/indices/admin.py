from django.contrib import admin
from django.db import models

from parindex.core.audit import AuditedAdmin
from parindex.indices.models import (
    Criterion,
    CriterionImport,
    CriterionScore,
    Edition,
    Index,
    RejectedSuggestion,
    Result,
    ResultImport,
    StatementDecision,
)

# Scores are typed with the decimal comma ("8,963"), as everywhere in the interface.
DECIMAL_COMMA = {models.DecimalField: {"localize": True}}


class EditionInline(admin.TabularInline):
    model = Edition
    formfield_overrides = DECIMAL_COMMA
    extra = 0


@admin.register(Index)
class IndexAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "full_name", "publisher", "scale"]
    search_fields = ["code", "name", "full_name"]
    inlines = [EditionInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    formfield_overrides = DECIMAL_COMMA
    extra = 0
    fields = ["code", "name", "level", "parent", "max_score", "position"]
    autocomplete_fields = ["parent"]


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    formfield_overrides = DECIMAL_COMMA
    list_display = ["name", "index", "decision_number", "first_year", "last_year", "max_total"]
    list_filter = ["index"]
    search_fields = ["name", "decision_number"]
    list_select_related = ["index"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    formfield_overrides = DECIMAL_COMMA
    list_display = ["code", "name", "level", "edition", "max_score"]
    list_filter = ["edition__index", "edition", "level"]
    search_fields = ["code", "name"]
    list_select_related = ["edition", "edition__index"]
    autocomplete_fields = ["edition", "parent"]


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    formfield_overrides = DECIMAL_COMMA
    extra = 0
    autocomplete_fields = ["criterion"]


@admin.register(Result)
class ResultAdmin(AuditedAdmin, admin.ModelAdmin):
    formfield_overrides = DECIMAL_COMMA
    list_display = [
        "province",
        "index",
        "year",
        "total",
        "maximum",
        "rank",
        "rank_of",
        "band",
        "total_change",
        "rank_change",
    ]
    list_filter = ["index", "year"]
    search_fields = ["province__name", "band"]
    list_select_related = ["province", "index"]
    autocomplete_fields = ["province"]
    inlines = [CriterionScoreInline]


@admin.register(CriterionScore)
class CriterionScoreAdmin(AuditedAdmin, admin.ModelAdmin):
    formfield_overrides = DECIMAL_COMMA
    list_display = ["result", "criterion", "achieved", "maximum"]
    list_filter = ["result__index", "result__year"]
    search_fields = ["criterion__code", "criterion__name", "result__province__name"]
    list_select_related = ["result__province", "result__index", "criterion"]
    autocomplete_fields = ["result", "criterion"]


@admin.register(StatementDecision)
class StatementDecisionAdmin(admin.ModelAdmin):
    """Written from the index page; shown here for the record."""

    list_display = ["text", "decision", "task", "score", "decided_by", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["text", "task__description"]
    list_select_related = ["task", "score__criterion", "decided_by"]
    readonly_fields = ["task", "text", "decision", "score", "decided_by", "decided_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ResultImport)
class ResultImportAdmin(admin.ModelAdmin):
    """The results import history; previews are made and confirmed on /indices/import/."""

    list_display = ["file_name", "province", "index", "year", "created_by", "created_at"]
    list_filter = ["index", "year"]
    search_fields = ["file_name", "province__name"]
    list_select_related = ["province", "index", "created_by"]
    readonly_fields = [f.name for f in ResultImport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CriterionImport)
class CriterionImportAdmin(admin.ModelAdmin):
    """The criteria import history; previews are made and confirmed on /indices/criteria/import/."""

    list_display = ["file_name", "edition", "created_by", "created_at", "confirmed_at"]
    list_filter = ["edition__index"]
    search_fields = ["file_name", "edition__name"]
    list_select_related = ["edition__index", "created_by"]
    readonly_fields = [f.name for f in CriterionImport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RejectedSuggestion)
class RejectedSuggestionAdmin(admin.ModelAdmin):
    """Suggested criteria Sở Nội vụ rejected for a task (decided on the task page or the plan's
    suggestions); deleting one lets the suggestion come back."""

    list_display = ["task", "criterion", "decided_by", "decided_at"]
    search_fields = ["task__description", "criterion__name", "criterion__code"]
    list_select_related = ["task", "criterion__edition__index", "decided_by"]
    readonly_fields = ["task", "criterion", "decided_by", "decided_at"]

    def has_add_permission(self, request):
        return False
