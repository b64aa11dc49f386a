"""The indices a province is scored on, their criteria trees, and the province's results.

Criteria belong to an edition (a methodology valid for a range of years), not to the index,
because each index's tree changes when the methodology does.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parindex.core.constraints import not_after


def points_lost(achieved: Decimal | None, maximum: Decimal | None) -> Decimal | None:
    """The points between a score and its maximum; None when either is unknown."""
    if achieved is None or maximum is None:
        return None
    return maximum - achieved


class Index(models.Model):
    class Code(models.TextChoices):
        PAR = "PAR", "PAR INDEX"
        SIPAS = "SIPAS", "SIPAS"
        PAPI = "PAPI", "PAPI"

    class Scale(models.TextChoices):
        POINTS = "points", _("Điểm")
        PERCENT = "percent", _("Phần trăm")

    code = models.CharField(_("mã"), max_length=10, choices=Code.choices, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    full_name = models.CharField(_("tên đầy đủ"), max_length=300)
    publisher = models.CharField(_("cơ quan công bố"), max_length=200)
    scale = models.CharField(_("thang đo"), max_length=10, choices=Scale.choices)

    class Meta:
        verbose_name = _("chỉ số")
        verbose_name_plural = _("chỉ số")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def edition_for(self, year: int) -> "Edition | None":
        return (
            self.editions.filter(first_year__lte=year)
            .filter(Q(last_year__isnull=True) | Q(last_year__gte=year))
            .order_by("-first_year")
            .first()
        )


class Edition(models.Model):
    """An index's methodology for a range of years (e.g. PAR INDEX 2022–, Quyết định 876/QĐ-BNV)."""

    index = models.ForeignKey(
        Index, verbose_name=_("chỉ số"), on_delete=models.PROTECT, related_name="editions"
    )
    name = models.CharField(_("tên"), max_length=200)
    decision_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    first_year = models.PositiveSmallIntegerField(_("áp dụng từ năm"))
    last_year = models.PositiveSmallIntegerField(_("áp dụng đến năm"), null=True, blank=True)
    max_total = models.DecimalField(
        _("điểm tối đa"), max_digits=8, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("phiên bản phương pháp")
        verbose_name_plural = _("phiên bản phương pháp")
        ordering = ["index", "first_year"]
        constraints = [
            models.UniqueConstraint(fields=["index", "first_year"], name="edition_unique_start"),
            models.CheckConstraint(
                name="edition_year_range",
                condition=Q(last_year__isnull=True) | Q(first_year__lte=models.F("last_year")),
            ),
        ]

    def __str__(self) -> str:
        years = f"{self.first_year}–{self.last_year or ''}"
        return f"{self.index} {years}"


class Criterion(models.Model):
    """A node of an edition's tree: area (lĩnh vực / nội dung), criterion, sub-criterion."""

    class Level(models.TextChoices):
        AREA = "area", _("Lĩnh vực, nội dung")
        CRITERION = "criterion", _("Tiêu chí")
        SUB_CRITERION = "sub", _("Tiêu chí thành phần")

    edition = models.ForeignKey(
        Edition, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="criteria"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("thuộc"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("mã"), max_length=20, help_text=_("Ví dụ: 1, 1.1, 1.1.2"))
    name = models.CharField(_("tên"), max_length=500)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    max_score = models.DecimalField(
        _("điểm tối đa"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    position = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        ordering = ["edition", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="criterion_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class Result(models.Model):
    """A province's published result for an index and a year."""

    province = models.ForeignKey(
        "agencies.Province",
        verbose_name=_("tỉnh"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    index = models.ForeignKey(
        Index, verbose_name=_("chỉ số"), on_delete=models.PROTECT, related_name="results"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    total = models.DecimalField(
        _("tổng điểm"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("điểm tối đa"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    rank = models.PositiveSmallIntegerField(_("xếp hạng"), null=True, blank=True)
    rank_of = models.PositiveSmallIntegerField(_("trên tổng số"), null=True, blank=True)
    band = models.CharField(_("xếp loại, nhóm"), max_length=50, blank=True)
    total_change = models.DecimalField(
        _("tăng/giảm điểm so với năm trước"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    rank_change = models.SmallIntegerField(
        _("tăng/giảm bậc so với năm trước"),
        null=True,
        blank=True,
        help_text=_("Dương: tăng bậc (xếp hạng tốt hơn)."),
    )
    source = models.CharField(_("nguồn"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kết quả chỉ số")
        verbose_name_plural = _("kết quả chỉ số")
        ordering = ["province", "index", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "index", "year"], name="result_unique_province_index_year"
            ),
            not_after("rank", "rank_of", name="result_rank_within"),
        ]

    def __str__(self) -> str:
        return f"{self.index} {self.year} – {self.province}"

    @property
    def lost(self) -> Decimal | None:
        return points_lost(self.total, self.maximum)


class CriterionScore(models.Model):
    """Achieved and maximum points of one criterion in a result; empty when not surveyed."""

    result = models.ForeignKey(
        Result, verbose_name=_("kết quả"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("tiêu chí"), on_delete=models.PROTECT, related_name="scores"
    )
    achieved = models.DecimalField(
        _("điểm đạt"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("điểm tối đa"), max_digits=8, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("điểm tiêu chí")
        verbose_name_plural = _("điểm tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["result", "criterion"], name="score_unique_criterion"),
            not_after("achieved", "maximum", name="score_not_above_maximum"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.achieved}/{self.maximum}"

    def clean(self) -> None:
        # A score belongs to the criteria tree in force in the result's year (the admin offers
        # every criterion, so this is where a criterion of another index or edition is refused).
        if self.result_id is None or self.criterion_id is None:
            return
        edition = self.result.index.edition_for(self.result.year)
        if edition is None or self.criterion.edition_id != edition.pk:
            raise ValidationError(
                {
                    "criterion": _(
                        "Tiêu chí này không thuộc phiên bản phương pháp của %(index)s năm %(year)s."
                    )
                    % {"index": self.result.index, "year": self.result.year}
                }
            )

    @property
    def lost(self) -> Decimal | None:
        return points_lost(self.achieved, self.maximum)


class StatementDecision(models.Model):
    """A reviewer's answer to a score statement the annex import found in a task's text
    ("năm 2022 đạt 8,963/9,5 điểm"): accepted as a criterion's score, or dismissed.

    Kept apart from `Task.score_statements`, which a re-import rewrites, and keyed by the
    statement's text, so a decision outlives re-imports of the same wording."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Đã ghi nhận")
        DISMISSED = "dismissed", _("Bỏ qua")

    task = models.ForeignKey(
        "plans.Task",
        verbose_name=_("nhiệm vụ"),
        on_delete=models.CASCADE,
        related_name="statement_decisions",
    )
    text = models.CharField(_("nội dung điểm số"), max_length=500)
    decision = models.CharField(_("quyết định"), max_length=10, choices=Decision.choices)
    score = models.ForeignKey(
        CriterionScore,
        verbose_name=_("điểm tiêu chí đã ghi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quyết định"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("điểm số nêu trong nhiệm vụ đã xử lý")
        verbose_name_plural = _("điểm số nêu trong nhiệm vụ đã xử lý")
        constraints = [
            # One decision per statement; also serves "which statements of these tasks are done".
            models.UniqueConstraint(fields=["task", "text"], name="statement_decision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.text} – {self.get_decision_display()}"


class ResultImport(models.Model):
    """A results workbook read for a preview (criterion code, achieved, maximum), and whether it
    was confirmed. The rows understood are kept, so confirming writes exactly what was shown."""

    province = models.ForeignKey(
        "agencies.Province", verbose_name=_("tỉnh"), on_delete=models.CASCADE, related_name="+"
    )
    index = models.ForeignKey(
        Index, verbose_name=_("chỉ số"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    edition = models.ForeignKey(
        Edition, verbose_name=_("phiên bản"), on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Total, maximum, rank, rank_of and band as typed in the form ("" or null when left empty).
    totals = models.JSONField(_("kết quả chung"), default=dict, blank=True)
    # One entry per row read: code, name, achieved, maximum (as text), problems, change.
    rows = models.JSONField(_("các dòng"), default=list, blank=True)
    problems = models.JSONField(_("lỗi"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xác nhận"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lần nhập kết quả chỉ số")
        verbose_name_plural = _("lịch sử nhập kết quả chỉ số")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} – {self.index} {self.year} – {self.province}"


class CriterionImport(models.Model):
    """A criteria workbook read for a preview (code, name, maximum points, level) into an
    edition's tree, and whether it was confirmed. The rows understood are kept, so confirming
    writes exactly what was shown."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # One entry per row read: code, name, level, max_score (as text), parent, problems, change.
    rows = models.JSONField(_("các dòng"), default=list, blank=True)
    # Stored criteria the workbook no longer lists: code, name, and whether tasks or scores use
    # them (kept) or not (removed on confirmation).
    absent = models.JSONField(_("không còn trong tệp"), default=list, blank=True)
    problems = models.JSONField(_("lỗi"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xác nhận"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lần nhập bộ tiêu chí")
        verbose_name_plural = _("lịch sử nhập bộ tiêu chí")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} – {self.edition}"


class RejectedSuggestion(models.Model):
    """A criterion Sở Nội vụ said a task does not address, so it is not suggested again.
    (An accepted suggestion is simply a link: `Task.criteria`.)"""

    task = models.ForeignKey(
        "plans.Task",
        verbose_name=_("nhiệm vụ"),
        on_delete=models.CASCADE,
        related_name="rejected_suggestions",
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("tiêu chí"), on_delete=models.CASCADE, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quyết định"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("gợi ý tiêu chí bị bỏ qua")
        verbose_name_plural = _("gợi ý tiêu chí bị bỏ qua")
        constraints = [
            # One rejection per pair; also serves "which suggestions of these tasks are out".
            models.UniqueConstraint(
                fields=["task", "criterion"], name="rejected_suggestion_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} ↛ {self.criterion_id}"
