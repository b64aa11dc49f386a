from django.urls import path

from plans.views import agencies, dashboard, extensions, files, imports, tasks

app_name = "plans"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("periods/", dashboard.period_list, name="period_list"),
    path("periods/<int:pk>/", dashboard.period_detail, name="period_detail"),
    path("periods/<int:pk>/remind/", dashboard.period_remind, name="period_remind"),
    path(
        "reports/<str:subject>/<str:period>.<str:extension>",
        files.report_download,
        name="report_download",
    ),
    path("files/", files.file_job_list, name="file_job_list"),
    path("files/<int:pk>/", files.file_job, name="file_job"),
    path("files/<int:pk>/download", files.file_job_download, name="file_job_download"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/export.xlsx", files.task_export, name="task_export"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/restore/", tasks.task_restore, name="task_restore"),
    path("assignments/<int:pk>/progress/", tasks.assignment_progress, name="assignment_progress"),
    path("assignments/<int:pk>/review/", tasks.assignment_review, name="assignment_review"),
    path("assignments/<int:pk>/extension/", extensions.extension_request, name="extension_request"),
    path("extensions/<int:pk>/decide/", extensions.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", tasks.evidence_download, name="evidence_download"),
    path("agencies/lookup/", tasks.agency_lookup, name="agency_lookup"),
    path("plans/lookup/", tasks.plan_lookup, name="plan_lookup"),
    path("agencies/unknown/", agencies.unknown_agency_provinces, name="unknown_agency_provinces"),
    path(
        "agencies/unknown/<int:province_pk>/",
        agencies.unknown_agency_list,
        name="unknown_agency_list",
    ),
    path("agencies/<int:pk>/settle/", agencies.agency_settle, name="agency_settle"),
    path(
        "agencies/<int:pk>/settle/alias/", agencies.agency_settle_alias, name="agency_settle_alias"
    ),
    path(
        "agencies/<int:pk>/settle/external/",
        agencies.agency_settle_external,
        name="agency_settle_external",
    ),
    path(
        "agencies/<int:pk>/settle/collective/",
        agencies.agency_settle_collective,
        name="agency_settle_collective",
    ),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/choose/", imports.import_choose, name="import_choose"),
    path("plans/<int:pk>/export.xlsx", files.plan_export, name="plan_export"),
    path(
        "evidence-package/<int:province>/<str:index>/<int:year>.zip",
        files.evidence_package,
        name="evidence_package",
    ),
]
