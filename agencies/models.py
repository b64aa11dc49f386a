"""Provinces, the agencies that carry out plan tasks, how tables name them, and who works where.

Everything here is dated (valid_from / valid_to) because of the 2025 reorganisation: old plans
must stay readable exactly as issued while open work follows the successor links to the
province and agency that exist now.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.core.constraints import not_after
from parindex.core.text import fold


class DatedQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date):
        """Rows in force on `day` (open-ended bounds count as always)."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


def _end_of_chain(row, link: str):
    """The row reached by following `link` (a foreign key to the same model) until it is
    empty; a loop, which the admin could make, stops where it closes instead of spinning."""
    seen = set()
    while getattr(row, f"{link}_id") and row.pk not in seen:
        seen.add(row.pk)
        row = getattr(row, link)
    return row


def validity_label(row) -> str:
    """ " (từ 01/07/2025)", " (đến 30/06/2025)", " (từ … đến …)", or "" for a row always in force."""
    if row.valid_from and row.valid_to:
        return f" (từ {row.valid_from:%d/%m/%Y} đến {row.valid_to:%d/%m/%Y})"
    if row.valid_to:
        return f" (đến {row.valid_to:%d/%m/%Y})"
    if row.valid_from:
        return f" (từ {row.valid_from:%d/%m/%Y})"
    return ""


class Province(models.Model):
    """A province or centrally-run city, before or after the 2025 merger.

    An old and a new unit may share a name and a code (Thái Nguyên 19 is both), so neither is a
    key: `slug` is the natural key reference data is loaded by.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Tỉnh")
        CITY = "city", _("Thành phố trực thuộc trung ương")

    slug = models.SlugField(_("mã định danh"), max_length=80, unique=True)
    code = models.CharField(_("mã thống kê"), max_length=3)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.PROVINCE)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("sáp nhập vào"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = _("tỉnh, thành phố")
        ordering = ["code", "valid_from"]
        constraints = [
            not_after("valid_from", "valid_to", name="province_valid_range"),
            # A province that was merged away has an end date.
            models.CheckConstraint(
                name="province_merged_has_end",
                condition=Q(merged_into__isnull=True) | Q(valid_to__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        suffix = f" (đến {self.valid_to:%d/%m/%Y})" if self.valid_to else ""
        return f"{self.short_label()}{suffix}"

    def short_label(self) -> str:
        """The name as people say it, without dates: "Bắc Kạn", "TP Hà Nội"."""
        return self.name_as_said(self.name, self.kind)

    @classmethod
    def name_as_said(cls, name: str, kind: str) -> str:
        """`short_label` from the two columns (lists that read values, not provinces)."""
        return f"TP {name}" if kind == cls.Kind.CITY else name

    def current(self) -> "Province":
        """The unit that holds this province's territory today (follows merger links)."""
        return _end_of_chain(self, "merged_into")


class Agency(models.Model):
    """A body that leads or supports tasks: a sở, a provincial body, a local government, ..."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Sở")
        PROVINCIAL_BODY = "provincial_body", _("Cơ quan cấp tỉnh")
        DISTRICT = "district", _("UBND cấp huyện")
        COMMUNE = "commune", _("UBND cấp xã")
        EXTERNAL = "external", _("Cơ quan ngoài hệ thống hành chính")
        LEADERSHIP = "leadership", _("Lãnh đạo")

    province = models.ForeignKey(
        Province, verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="agencies"
    )
    name = models.CharField(_("tên đầy đủ"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan kế thừa"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text=_("Cơ quan tiếp nhận nhiệm vụ khi cơ quan này sáp nhập, đổi tên hoặc giải thể."),
    )
    verified = models.BooleanField(
        _("đã xác minh"),
        default=True,
        help_text=_("Cơ quan do nhập phụ lục tạo ra chưa được Sở Nội vụ xác minh."),
    )
    # Folded name (no case, no diacritics): what matching and search compare against.
    search_name = models.CharField(_("tên chuẩn hóa"), max_length=255, editable=False)

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["province", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["province", "search_name"], name="agency_unique_name"),
            not_after("valid_from", "valid_to", name="agency_valid_range"),
            models.CheckConstraint(
                name="agency_not_own_successor", condition=~Q(successor=models.F("pk"))
            ),
        ]
        indexes = [
            # Agency pickers and the import's matcher look names up within a province.
            models.Index(fields=["search_name"], name="agency_search_name_idx"),
            # Unverified agencies awaiting review, per province.
            models.Index(fields=["province", "verified"], name="agency_province_verified_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)

    def choice_label(self) -> str:
        """How a picker names the agency: every province has a "Sở Y tế", and old and new units
        share names across 2025, so the province and the dates tell them apart:
        "Sở Y tế – Bắc Kạn (đến 30/06/2025)", "Sở Y tế – Thái Nguyên (từ 01/07/2025)"."""
        return f"{self.name} – {self.province.short_label()}{validity_label(self)}"

    def current(self) -> "Agency":
        """The agency that holds this one's work today (follows successor links)."""
        return _end_of_chain(self, "successor")


class AgencyAlias(models.Model):
    """Another way tables write an agency's name: "Sở KH&ĐT", "VP UBND tỉnh", "SỞ TƯ PHÁP"."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="aliases"
    )
    alias = models.CharField(_("tên gọi khác"), max_length=255)
    search_alias = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("tên gọi khác của cơ quan")
        verbose_name_plural = _("tên gọi khác của cơ quan")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "search_alias"], name="alias_unique_per_agency"
            ),
        ]
        indexes = [models.Index(fields=["search_alias"], name="alias_search_idx")]

    def __str__(self) -> str:
        return f"{self.alias} → {self.agency}"

    def save(self, *args, **kwargs):
        self.search_alias = fold(self.alias)
        super().save(*args, **kwargs)


class CollectiveName(models.Model):
    """A name that stands for a set of a province's agencies ("Các sở, ban, ngành").

    Members are the province's verified agencies of `member_kinds` in force on the day asked
    about, plus any listed explicitly, so a 2022 plan expands to the departments of 2022 and a new
    commune joins "UBND cấp xã" without anyone editing the list. An agency an import created from
    a name nobody could place (unverified) joins no collective by its kind: an unknown name must
    never change who a known one stands for. The kind `LOCAL` ("địa phương") means the local
    governments in force: the districts until the district level ended, the communes after.
    A collective with no kinds is exactly its listed members ("Các sở, ngành tham mưu lĩnh vực
    CCHC"), which Sở Nội vụ sets.
    """

    LOCAL = "local"
    # The first day without a district level (Nghị quyết 202/2025/QH15).
    COMMUNES_REPORT_FROM = datetime.date(2025, 7, 1)

    province = models.ForeignKey(
        Province, verbose_name=_("tỉnh"), on_delete=models.CASCADE, related_name="collective_names"
    )
    name = models.CharField(_("tên chung"), max_length=255)
    search_name = models.CharField(max_length=255, editable=False)
    member_kinds = models.JSONField(
        _("gồm các loại cơ quan"), default=list, blank=True, help_text=_("Ví dụ: department")
    )
    members = models.ManyToManyField(
        Agency, verbose_name=_("thành viên bổ sung"), blank=True, related_name="collectives"
    )

    class Meta:
        verbose_name = _("tên chung (nhóm cơ quan)")
        verbose_name_plural = _("tên chung (nhóm cơ quan)")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "search_name"], name="collective_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.province})"

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)

    def expand(self, on: datetime.date | None = None) -> models.QuerySet:
        """The agencies this name stands for on a day (today when not given)."""
        on = on or timezone.localdate()  # the province's day, not the server's UTC one
        kinds = [kind for kind in self.member_kinds if kind != self.LOCAL]
        if self.LOCAL in self.member_kinds:
            local = Agency.Kind.DISTRICT if on < self.COMMUNES_REPORT_FROM else Agency.Kind.COMMUNE
            kinds.append(local)
        by_kind = Q(province=self.province_id, kind__in=kinds, verified=True)
        listed = Q(pk__in=self.members.values("pk"))
        return Agency.objects.valid_on(on).filter(by_kind | listed).order_by("kind", "name")


class Membership(models.Model):
    """A user's place: one agency and one role. Administrators may belong to no agency."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Cán bộ cơ quan")
        REVIEWER = "reviewer", _("Chuyên viên Sở Nội vụ")
        LEADER = "leader", _("Lãnh đạo (chỉ xem)")
        ADMIN = "admin", _("Quản trị hệ thống")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("vai trò"), max_length=10, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("thành viên cơ quan")
        verbose_name_plural = _("thành viên cơ quan")
        constraints = [
            models.CheckConstraint(
                name="membership_agency_unless_admin",
                condition=Q(role="admin") | Q(agency__isnull=False),
            ),
        ]
        indexes = [
            # Reminders and "who has not reported" look up the staff of an agency.
            models.Index(fields=["agency", "role"], name="membership_agency_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency or '—'}"

    @property
    def province_id(self) -> int | None:
        return self.agency.province_id if self.agency_id else None
