from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/<int:pk>/", views.period_detail, name="period_detail"),
    path("periods/<int:pk>/remind/", views.period_remind, name="period_remind"),
    path(
        "reports/<str:subject>/<str:period>.<str:extension>",
        views.report_download,
        name="report_download",
    ),
    path("files/", views.file_job_list, name="file_job_list"),
    path("files/<int:pk>/", views.file_job, name="file_job"),
    path("files/<int:pk>/download", views.file_job_download, name="file_job_download"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/export.xlsx", views.task_export, name="task_export"),
    path("tasks/<int:pk>/", views.task_detail_view, name="task_detail"),
    path("tasks/<int:pk>/restore/", views.task_restore_view, name="task_restore"),
    path("assignments/<int:pk>/progress/", views.assignment_progress, name="assignment_progress"),
    path("assignments/<int:pk>/review/", views.assignment_review_view, name="assignment_review"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("agencies/lookup/", views.agency_lookup, name="agency_lookup"),
    path("agencies/unknown/", views.unknown_agency_provinces, name="unknown_agency_provinces"),
    path(
        "agencies/unknown/<int:province_pk>/",
        views.unknown_agency_list,
        name="unknown_agency_list",
    ),
    path("agencies/<int:pk>/settle/", views.agency_settle, name="agency_settle"),
    path("agencies/<int:pk>/settle/alias/", views.agency_settle_alias, name="agency_settle_alias"),
    path(
        "agencies/<int:pk>/settle/external/",
        views.agency_settle_external,
        name="agency_settle_external",
    ),
    path(
        "agencies/<int:pk>/settle/collective/",
        views.agency_settle_collective,
        name="agency_settle_collective",
    ),
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm_view, name="import_confirm"),
    path("imports/<int:pk>/choose/", views.import_choose_view, name="import_choose"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
]
