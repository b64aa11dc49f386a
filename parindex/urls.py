from django.contrib import admin
from django.urls import include, path

from parindex.views import healthz, indices
from plans.views import home

admin.site.site_header = "parindex – Quản trị"
admin.site.site_title = "parindex"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("", home, name="home"),
    path("indices/", indices, name="indices"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("plans.urls")),
]
