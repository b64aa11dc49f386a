from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm_view, name="import_confirm"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
]
