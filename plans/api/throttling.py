from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from plans.api.models import ApiToken


class PerTokenRateThrottle(SimpleRateThrottle):
    """`PARINDEX_API_RATE` requests per token (per user for the browser's session, per
    address before login), counted in the default cache."""

    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_rate(self):
        # Read at each request, not once at import: the setting may change (tests, reload).
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
