from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicesConfig(AppConfig):
    """The index domain: indices, their editions and criteria, each province's results and
    criterion scores. Its label stays "parindex", which names its tables and migrations."""

    name = "parindex.indices"
    label = "parindex"
    verbose_name = _("Chỉ số")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from parindex.indices.models import CriterionScore, Result

        for model in (Result, CriterionScore):
            auditlog.register(model)
