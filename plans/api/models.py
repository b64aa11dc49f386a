"""Personal access tokens for the API: made and revoked by their owner on
/accounts/api-tokens/, shown once, kept only as a SHA-256 hash."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def token_hash(raw: str) -> str:
    """The stored form of a token. A plain SHA-256 is enough: the token is 256 random bits
    (secrets.token_urlsafe(32)), not a password someone chose, so there is nothing to guess."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        _("tên"), max_length=100, help_text=_("Ví dụ: Hệ thống quản lý văn bản điều hành")
    )
    # Unique, so also the index every API request's token lookup uses.
    key_hash = models.CharField(_("mã băm"), max_length=64, unique=True, editable=False)
    # The first characters, shown on the page so the owner tells their tokens apart.
    prefix = models.CharField(_("bắt đầu bằng"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The owner's page: their tokens, newest first.
            models.Index(fields=["user", "-created_at"], name="apitoken_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
