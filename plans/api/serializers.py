"""What the API shows of each thing, and the bodies its writes accept (documented in the
schema; validated by the pages' own forms, so both accept and refuse the same input)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency, Province
from parindex.indices.models import Criterion, CriterionScore, Edition, Result
from plans.models import (
    Assignment,
    DeadlineExtension,
    Evidence,
    Plan,
    ProgressUpdate,
    Section,
    Task,
)
from plans.timeliness import Timeliness


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["id", "slug", "code", "name", "kind", "valid_from", "valid_to", "merged_into"]


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = [
            "id",
            "province",
            "name",
            "short_name",
            "kind",
            "valid_from",
            "valid_to",
            "successor",
            "verified",
        ]


class EditionSerializer(serializers.ModelSerializer):
    index = serializers.CharField(source="index.code", help_text="Mã chỉ số: PAR, SIPAS, PAPI.")

    class Meta:
        model = Edition
        fields = ["id", "index", "name", "decision_number", "first_year", "last_year", "max_total"]


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "edition", "parent", "code", "name", "level", "max_score", "position"]


class CriterionScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = CriterionScore
        fields = ["criterion", "achieved", "maximum"]


class ResultSerializer(serializers.ModelSerializer):
    index = serializers.CharField(source="index.code", help_text="Mã chỉ số: PAR, SIPAS, PAPI.")
    scores = CriterionScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Result
        fields = [
            "id",
            "province",
            "index",
            "year",
            "total",
            "maximum",
            "rank",
            "rank_of",
            "band",
            "total_change",
            "source",
            "scores",
        ]


class PlanSerializer(serializers.ModelSerializer):
    indices = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "province",
            "number",
            "year",
            "title",
            "issued_on",
            "signer",
            "base_year",
            "target_year",
            "indices",
            "created_at",
        ]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "plan", "annex", "sheet", "number", "title", "position"]


class TaskSerializer(serializers.ModelSerializer):
    criteria = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "plan",
            "section",
            "number",
            "position",
            "description",
            "expected_result",
            "deadline_text",
            "deadline_kind",
            "starts_on",
            "due_on",
            "recurrence",
            "criteria",
            "withdrawn_at",
        ]


class TaskBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "plan", "section", "number", "description", "due_on", "deadline_text"]


class AgencyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name"]


class AssignmentSerializer(serializers.ModelSerializer):
    task = TaskBriefSerializer(read_only=True)
    agency = AgencyBriefSerializer(read_only=True)
    due_on = serializers.DateField(
        read_only=True,
        help_text="Hạn của cơ quan: hạn đã gia hạn nếu có, nếu không là hạn nhiệm vụ.",
    )
    timeliness = serializers.ChoiceField(
        choices=Timeliness.choices,
        read_only=True,
        help_text="Nhóm thời hạn tính đến hôm nay (hoặc ngày `as_of`), như danh sách nhiệm vụ.",
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "task",
            "agency",
            "role",
            "status",
            "completed_on",
            "due_on",
            "extended_to",
            "extension_status",
            "timeliness",
            "review",
            "reviewed_at",
            "review_note",
            "version",
            "updated_at",
            "unassigned_at",
        ]


class EvidenceSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="Tải tệp (cùng kiểm tra quyền như trang nhiệm vụ)."
    )

    class Meta:
        model = Evidence
        fields = ["id", "update", "original_name", "content_type", "size", "sha256", "download_url"]

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, evidence) -> str:
        return reverse("api:evidence-file", args=[evidence.pk])


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "assignment",
            "author",
            "created_at",
            "kind",
            "status",
            "completed_on",
            "note",
            "period",
            "changes",
            "version",
            "evidence",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, update) -> str | None:
        author = update.author
        return (author.get_full_name() or author.username) if author else None


class DeadlineExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadlineExtension
        fields = [
            "id",
            "assignment",
            "requested_at",
            "due_before",
            "requested_due",
            "reason",
            "status",
            "decided_at",
            "decision_note",
        ]


# Request bodies (documentation; the pages' forms validate) ---------------------------------


class ProgressInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Assignment.Status.choices, help_text="Tiến độ.")
    completed_on = serializers.DateField(
        required=False, allow_null=True, help_text="Ngày hoàn thành (bắt buộc khi `done`)."
    )
    note = serializers.CharField(required=False, allow_blank=True, help_text="Kết quả thực hiện.")
    period = serializers.CharField(
        required=False, allow_blank=True, help_text="Kỳ báo cáo, ví dụ 2026-H1, 2026-Y."
    )
    version = serializers.IntegerField(
        help_text="Phiên bản của phân công khi đọc (`version`); đã cũ thì trả 409."
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Tài liệu kiểm chứng (multipart/form-data, nhiều tệp cùng tên `files`).",
    )


class ReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("confirm", "Xác nhận"), ("return", "Trả lại")], help_text="Xác nhận hoặc trả lại."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="Ý kiến; bắt buộc khi trả lại."
    )
    version = serializers.IntegerField(help_text="Phiên bản của phân công khi đọc.")


class ExtensionRequestInputSerializer(serializers.Serializer):
    requested_due = serializers.DateField(help_text="Đề nghị gia hạn đến ngày.")
    reason = serializers.CharField(help_text="Lý do.")


class ExtensionDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("grant", "Gia hạn"), ("refuse", "Không gia hạn")], help_text="Quyết định."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="Ý kiến; bắt buộc khi không gia hạn."
    )


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    version = serializers.IntegerField(help_text="Phiên bản hiện tại của phân công.")
    assignment = AssignmentSerializer()
    changes = ProgressUpdateSerializer(
        many=True, help_text="Những cập nhật đã lưu sau phiên bản bạn gửi, cũ trước."
    )


class ProgressResultSerializer(serializers.Serializer):
    update = ProgressUpdateSerializer()
    assignment = AssignmentSerializer()
    repeated = serializers.BooleanField(
        help_text="Đúng khi cùng báo cáo này đã được lưu trước (gửi lại hai lần): không thêm gì."
    )
