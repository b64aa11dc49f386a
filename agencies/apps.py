from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Tỉnh và cơ quan")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from agencies.models import Agency, AgencyAlias, CollectiveName, Membership

        for model in (Agency, AgencyAlias, Membership):
            auditlog.register(model)
        # A collective name decides who gets a task on every import: who added whom is recorded.
        auditlog.register(CollectiveName, m2m_fields={"members"}, exclude_fields=["search_name"])
        # Accounts are the staff the memberships name. last_login changes at every login:
        # recording it would log each login as an edit.
        auditlog.register(
            get_user_model(),
            exclude_fields=["last_login"],
            mask_fields=["password"],
            m2m_fields={"groups", "user_permissions"},
        )
