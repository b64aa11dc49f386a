from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Kế hoạch khắc phục")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from plans.models import Assignment, DeadlineExtension, Evidence, Plan, Section, Task

        # The folded search text only follows the number and title, whose changes are recorded.
        auditlog.register(Plan, m2m_fields={"indices"}, exclude_fields=["search_text"])
        # Position, source row and the folded search text follow the workbook's layout, not
        # anyone's decision: the import run's own entry names the file they came from.
        auditlog.register(
            Task,
            m2m_fields={"criteria"},
            exclude_fields=["position", "source_sheet", "source_row", "search_text"],
        )
        auditlog.register(Section, exclude_fields=["position"])
        # version and updated_at change with every save; the entry has its own timestamp.
        auditlog.register(Assignment, exclude_fields=["version", "updated_at"])
        # Evidence is only ever added (plans.services saves each file with a plain save, so the
        # entry carries the uploader and address); an entry for a deletion would show a way
        # around the admin's refusal. Progress updates are not registered: each is itself an
        # append-only record of who changed what and when, and no code path edits or deletes one.
        auditlog.register(Evidence)
        # Requests and decisions on deadlines: the rows are the history, the entries say who
        # decided (the decision is an update of the request's row).
        auditlog.register(DeadlineExtension)
