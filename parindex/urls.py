from django.contrib import admin
from django.urls import include, path

from parindex.views import favicon, healthz
from plans.api.pages import api_token_list, api_token_revoke_view
from plans.views.criteria import (
    criteria_import_confirm,
    criteria_import_detail,
    criteria_import_new,
    indices,
    plan_suggestions,
    plan_suggestions_decide,
    result_import_confirm,
    result_import_detail,
    result_import_new,
    statement_decide,
    task_criteria,
)
from plans.views.tasks import home

admin.site.site_header = "parindex – Quản trị"
admin.site.site_title = "parindex"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("", home, name="home"),
    path("indices/", indices, name="indices"),
    path("indices/import/", result_import_new, name="result_import_new"),
    path("indices/import/<int:pk>/", result_import_detail, name="result_import_detail"),
    path(
        "indices/import/<int:pk>/confirm/",
        result_import_confirm,
        name="result_import_confirm",
    ),
    path("indices/statements/", statement_decide, name="statement_decide"),
    path("tasks/<int:pk>/criteria/", task_criteria, name="task_criteria"),
    path("indices/criteria/import/", criteria_import_new, name="criteria_import_new"),
    path(
        "indices/criteria/import/<int:pk>/", criteria_import_detail, name="criteria_import_detail"
    ),
    path(
        "indices/criteria/import/<int:pk>/confirm/",
        criteria_import_confirm,
        name="criteria_import_confirm",
    ),
    path("plans/<int:pk>/suggestions/", plan_suggestions, name="plan_suggestions"),
    path(
        "plans/<int:pk>/suggestions/decide/",
        plan_suggestions_decide,
        name="plan_suggestions_decide",
    ),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/api-tokens/", api_token_list, name="api_tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", api_token_revoke_view, name="api_token_revoke"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("plans.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("plans.urls")),
]
