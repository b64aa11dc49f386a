"""Writes of the API's own: personal access tokens."""

import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone

from plans.api.models import ApiToken, token_hash

# How many tokens one person may hold at once: one per system they connect, with room to spare.
MAX_ACTIVE_TOKENS = 10


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`, and its value: returned here once, stored only as its hash."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Hãy đặt tên cho mã (ví dụ: tên hệ thống sẽ dùng mã)."})
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"Đã có {MAX_ACTIVE_TOKENS} mã đang dùng: hãy thu hồi mã không còn dùng trước."
        )
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, key_hash=token_hash(raw), prefix=raw[:8])
    token.full_clean()
    token.save()
    return token, raw


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke a token: refused from the next request on. False when it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return True
