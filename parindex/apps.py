from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParindexConfig(AppConfig):
    name = "parindex"
    verbose_name = _("Chỉ số")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from parindex.audit import register_audited_models

        register_audited_models()
