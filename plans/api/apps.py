from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "plans.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from auditlog.registry import auditlog

        from plans.api.models import ApiToken

        # Who made or revoked a token, when; never its hash.
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
