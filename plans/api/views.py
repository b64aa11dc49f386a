"""The API's views: thin, like the pages' ones. Who sees what comes from the pages'
selectors (`tasks_visible_to`, `assignments_visible_to`...), who may act from their
`can_*` rules, and every write goes through the pages' forms and services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from agencies.models import Agency, Province
from agencies.roles import can_see_dashboard, is_administrator, province_ids_of
from parindex.indices.models import Criterion, Edition, Result
from plans import selectors, services
from plans.api import serializers as s
from plans.api.filters import (
    AgencyFilter,
    CriterionFilter,
    EvidenceFilter,
    ExtensionFilter,
    ProgressUpdateFilter,
    ResultFilter,
    SectionFilter,
    TaskFilter,
    TaskListFilterBackend,
    ValidatingFilterBackend,
    form_errors,
)
from plans.api.pagination import ProvinceCursorPagination
from plans.files.responses import evidence_response
from plans.filters import AssignmentFilter
from plans.forms import ExtensionDecisionForm, ExtensionRequestForm, ProgressForm, ReviewForm
from plans.models import Assignment, DeadlineExtension, Section
from plans.periods import period_choices
from plans.reminders import return_notice_send
from plans.selectors import (
    can_change_assignment,
    can_decide_extension,
    can_request_extension,
    can_review,
)
from plans.services import ConcurrentUpdate


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    filter_backends = [ValidatingFilterBackend]


@extend_schema_view(
    list=extend_schema(summary="Các tỉnh", description="Danh mục tỉnh, thành phố."),
    retrieve=extend_schema(summary="Một tỉnh"),
)
class ProvinceViewSet(ReadOnly):
    serializer_class = s.ProvinceSerializer
    queryset = Province.objects.all()


@extend_schema_view(
    list=extend_schema(summary="Các cơ quan", description="Danh mục cơ quan, đơn vị."),
    retrieve=extend_schema(summary="Một cơ quan"),
)
class AgencyViewSet(ReadOnly):
    serializer_class = s.AgencySerializer
    queryset = Agency.objects.all()
    filterset_class = AgencyFilter


@extend_schema_view(
    list=extend_schema(summary="Các phiên bản chỉ số", description="PAR INDEX, SIPAS, PAPI."),
    retrieve=extend_schema(summary="Một phiên bản chỉ số"),
)
class EditionViewSet(ReadOnly):
    serializer_class = s.EditionSerializer
    queryset = Edition.objects.select_related("index")


@extend_schema_view(
    list=extend_schema(summary="Các tiêu chí", description="Tiêu chí của các phiên bản chỉ số."),
    retrieve=extend_schema(summary="Một tiêu chí"),
)
class CriterionViewSet(ReadOnly):
    serializer_class = s.CriterionSerializer
    queryset = Criterion.objects.all()
    filterset_class = CriterionFilter


@extend_schema_view(
    list=extend_schema(
        summary="Kết quả chỉ số",
        description="Kết quả của tỉnh (Sở Nội vụ, lãnh đạo: tỉnh mình; quản trị: mọi tỉnh; "
        "cán bộ cơ quan: không có, như trang chỉ số).",
    ),
    retrieve=extend_schema(summary="Một kết quả chỉ số"),
)
class ResultViewSet(ReadOnly):
    serializer_class = s.ResultSerializer
    filterset_class = ResultFilter

    def get_queryset(self):
        results = Result.objects.select_related("index").prefetch_related("scores")
        user = self.request.user
        if is_administrator(user):
            return results
        if can_see_dashboard(user):
            return results.filter(province_id__in=province_ids_of(user))
        return results.none()


@extend_schema_view(
    list=extend_schema(summary="Các kế hoạch", description="Kế hoạch của tỉnh mình."),
    retrieve=extend_schema(summary="Một kế hoạch"),
)
class PlanViewSet(ReadOnly):
    serializer_class = s.PlanSerializer

    def get_queryset(self):
        return selectors.plans_visible_to(user=self.request.user).prefetch_related("indices")


@extend_schema_view(
    list=extend_schema(summary="Các mục của phụ lục"), retrieve=extend_schema(summary="Một mục")
)
class SectionViewSet(ReadOnly):
    serializer_class = s.SectionSerializer
    filterset_class = SectionFilter

    def get_queryset(self):
        return Section.objects.filter(plan__in=selectors.plans_visible_to(user=self.request.user))


@extend_schema_view(
    list=extend_schema(
        summary="Các nhiệm vụ", description="Nhiệm vụ người dùng được xem (như trang nhiệm vụ)."
    ),
    retrieve=extend_schema(summary="Một nhiệm vụ"),
)
class TaskViewSet(ReadOnly):
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        return selectors.tasks_visible_to(user=self.request.user).prefetch_related("criteria")


def _assignment_rows(user):
    return selectors.assignment_list(user=user, today=timezone.localdate())


def _errors_of(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return form_errors(error.message_dict)
    return {"non_field_errors": list(error.messages)}


def _conflict(assignment, conflict: ConcurrentUpdate, request) -> Response:
    """409: the assignment as it is now, and the entries saved since the version sent."""
    current = _assignment_rows(request.user).filter(pk=assignment.pk).first() or assignment
    body = {
        "detail": "Phân công đã được người khác cập nhật sau phiên bản bạn gửi; hãy đọc lại "
        "và gửi lại với phiên bản mới.",
        "version": current.version,
        "assignment": s.AssignmentSerializer(current).data,
        "changes": s.ProgressUpdateSerializer(conflict.newer, many=True).data,
    }
    return Response(body, status=status.HTTP_409_CONFLICT)


class AnyFileRenderer(BaseRenderer):
    """Lets a client ask for the evidence file with any Accept header."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


@extend_schema_view(
    list=extend_schema(
        summary="Các phân công (danh sách nhiệm vụ)",
        description="Như trang danh sách nhiệm vụ: cùng các bộ lọc, cùng phạm vi người dùng "
        "được xem, kèm nhóm thời hạn (`timeliness`). Sắp theo `id`, phân trang bằng `cursor`.",
    ),
    retrieve=extend_schema(summary="Một phân công"),
)
class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilter
    filter_backends = [TaskListFilterBackend]
    pagination_class = ProvinceCursorPagination

    def get_queryset(self):
        return _assignment_rows(self.request.user)

    def _act_on(self, pk, may) -> Assignment:
        return selectors.assignment_to_act_on(user=self.request.user, pk=pk, may=may)

    @extend_schema(
        summary="Báo cáo tiến độ",
        description="Như biểu mẫu trên trang nhiệm vụ: cán bộ của cơ quan được giao báo cáo "
        "tiến độ, kèm tài liệu kiểm chứng (multipart/form-data). `version` là phiên bản đã "
        "đọc; nếu phân công đã đổi sau đó, trả 409 kèm những gì đã đổi.",
        request={
            "multipart/form-data": s.ProgressInputSerializer,
            "application/json": s.ProgressInputSerializer,
        },
        responses={
            201: s.ProgressResultSerializer,
            200: OpenApiResponse(
                s.ProgressResultSerializer, description="Báo cáo này đã được lưu trước đó."
            ),
            400: OpenApiResponse(description="Dữ liệu không hợp lệ (thông báo theo trường)."),
            409: s.ConflictSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        assignment = self._act_on(pk, can_change_assignment)
        years = range(assignment.task.plan.year, timezone.localdate().year + 1)
        form = ProgressForm(request.data, request.FILES, periods=period_choices(years))
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        data = form.cleaned_data
        try:
            update = services.assignment_record_progress(
                assignment=assignment,
                author=request.user,
                status=data["status"],
                note=data["note"],
                completed_on=data["completed_on"],
                period=data["period"],
                files=data["files"],
                expected_version=data["version"],
            )
        except ConcurrentUpdate as conflict:
            return _conflict(assignment, conflict, request)
        except DjangoValidationError as error:
            return Response(_errors_of(error), status=status.HTTP_400_BAD_REQUEST)
        repeated = getattr(update, "repeated", False)
        current = _assignment_rows(request.user).get(pk=assignment.pk)
        body = {
            "update": s.ProgressUpdateSerializer(
                selectors.progress_updates_by_id(ids=[update.pk])[update.pk]
            ).data,
            "assignment": s.AssignmentSerializer(current).data,
            "repeated": repeated,
        }
        return Response(body, status=status.HTTP_200_OK if repeated else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Xác nhận hoặc trả lại hoàn thành",
        description="Sở Nội vụ của tỉnh (và quản trị) xác nhận một hoàn thành đang chờ, hoặc "
        "trả lại kèm lý do (cơ quan được báo qua thư). `version` cũ: 409.",
        request=s.ReviewInputSerializer,
        responses={
            201: s.ProgressUpdateSerializer,
            400: OpenApiResponse(),
            409: s.ConflictSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        assignment = self._act_on(pk, can_review)
        form = ReviewForm(request.data)
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        confirm = form.cleaned_data["decision"] == "confirm"
        try:
            update = services.assignment_review(
                assignment=assignment,
                reviewer=request.user,
                confirm=confirm,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentUpdate as conflict:
            return _conflict(assignment, conflict, request)
        except DjangoValidationError as error:
            return Response(_errors_of(error), status=status.HTTP_400_BAD_REQUEST)
        if not confirm:
            return_notice_send(assignment=assignment, update=update)
        return Response(
            s.ProgressUpdateSerializer(
                selectors.progress_updates_by_id(ids=[update.pk])[update.pk]
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Đề nghị gia hạn",
        description="Cán bộ của cơ quan được giao đề nghị Sở Nội vụ gia hạn phân công chưa "
        "hoàn thành, có thời hạn cụ thể.",
        request=s.ExtensionRequestInputSerializer,
        responses={201: s.DeadlineExtensionSerializer, 400: OpenApiResponse()},
    )
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        assignment = self._act_on(pk, can_request_extension)
        form = ExtensionRequestForm(request.data)
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            extension = services.deadline_extension_request(
                assignment=assignment,
                author=request.user,
                requested_due=form.cleaned_data["requested_due"],
                reason=form.cleaned_data["reason"],
                today=timezone.localdate(),
            )
        except DjangoValidationError as error:
            return Response(_errors_of(error), status=status.HTTP_400_BAD_REQUEST)
        return Response(
            s.DeadlineExtensionSerializer(extension).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(summary="Lịch sử cập nhật tiến độ", description="Mới ghi trước."),
    retrieve=extend_schema(summary="Một cập nhật tiến độ"),
)
class ProgressUpdateViewSet(ReadOnly):
    serializer_class = s.ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilter

    def get_queryset(self):
        return (
            selectors.progress_updates_visible_to(user=self.request.user)
            .select_related("author")
            .prefetch_related("evidence")
        )


@extend_schema_view(
    list=extend_schema(summary="Tài liệu kiểm chứng (thông tin tệp)"),
    retrieve=extend_schema(summary="Một tài liệu kiểm chứng"),
)
class EvidenceViewSet(ReadOnly):
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilter

    def get_queryset(self):
        return selectors.evidence_visible_to(user=self.request.user)

    @extend_schema(
        summary="Tải tệp kiểm chứng",
        description="Cùng kiểm tra quyền và cùng cách trả tệp như liên kết trên trang nhiệm vụ.",
        responses={(200, "*/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], renderer_classes=[AnyFileRenderer])
    def file(self, request, pk=None):
        return evidence_response(get_object_or_404(self.get_queryset(), pk=pk))


@extend_schema_view(
    list=extend_schema(summary="Các đề nghị gia hạn"),
    retrieve=extend_schema(summary="Một đề nghị gia hạn"),
)
class ExtensionViewSet(ReadOnly):
    serializer_class = s.DeadlineExtensionSerializer
    filterset_class = ExtensionFilter

    def get_queryset(self):
        return DeadlineExtension.objects.filter(
            assignment__task__in=selectors.tasks_visible_to(user=self.request.user)
        )

    @extend_schema(
        summary="Quyết định gia hạn",
        description="Sở Nội vụ của tỉnh (và quản trị) gia hạn hoặc không gia hạn (kèm lý do).",
        request=s.ExtensionDecisionInputSerializer,
        responses={200: s.DeadlineExtensionSerializer, 400: OpenApiResponse()},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        extension = get_object_or_404(
            self.get_queryset().select_related("assignment__task__plan"), pk=pk
        )
        if not can_decide_extension(user=request.user, assignment=extension.assignment):
            raise PermissionDenied("Bạn không có quyền quyết định gia hạn phân công này.")
        form = ExtensionDecisionForm(request.data)
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            services.deadline_extension_decide(
                extension=extension,
                reviewer=request.user,
                grant=form.cleaned_data["decision"] == "grant",
                note=form.cleaned_data["note"],
            )
        except DjangoValidationError as error:
            return Response(_errors_of(error), status=status.HTTP_400_BAD_REQUEST)
        return Response(s.DeadlineExtensionSerializer(extension).data)
