from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from plans.api import views

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("plans", views.PlanViewSet, basename="plan")
router.register("sections", views.SectionViewSet, basename="section")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("progress-updates", views.ProgressUpdateViewSet, basename="progressupdate")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("extensions", views.ExtensionViewSet, basename="extension")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("index-editions", views.EditionViewSet, basename="edition")
router.register("criteria", views.CriterionViewSet, basename="criterion")
router.register("results", views.ResultViewSet, basename="result")

# The schema and its documentation page are public: they describe the interface, no data,
# and the people connecting another system read them before they have an account.
urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(
            url_name="api:schema", permission_classes=[AllowAny], authentication_classes=[]
        ),
        name="docs",
    ),
    *router.urls,
]
