"""The admin pages of the third-party apps, in Vietnamese where their code writes English
without gettext: django-auditlog's change summary ("3 changes: status, …"), field names of
reverse relations ("Import runs"), its "system" actor and "Correlation ID" column; django-axes'
"Status" column. Their own gettext strings are translated in locale/."""

import auditlog.render
from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from parindex.core.names import full_name

# auditlog's own cut-off for the summary column.
SUMMARY_MAX = 75
_auditlog_field_name = auditlog.render.get_field_verbose_name


def field_label(log_entry, field_name: str) -> str:
    """A changed field's name as the model's pages say it; for a reverse relation (auditlog
    records "tasks", "import runs" of a created plan), the related model's plural name."""
    model = log_entry.content_type.model_class()
    try:
        field = model._meta.get_field(field_name) if model else None
    except FieldDoesNotExist:
        field = None
    if field is not None and field.auto_created and not field.concrete:
        return capfirst(field.related_model._meta.verbose_name_plural)
    if field_name == "id":
        return _("Mã")
    return _auditlog_field_name(log_entry, field_name)


# The change pages render through auditlog.render, which looks this name up at call time.
auditlog.render.get_field_verbose_name = field_label

admin.site.unregister(LogEntry)
admin.site.unregister(AccessAttempt)


@admin.register(LogEntry)
class AuditLogEntryAdmin(LogEntryAdmin):
    @admin.display(description=_("Thay đổi"))
    def msg_short(self, obj):
        if obj.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
            return ""
        changes = obj.changes_dict
        fields = ", ".join(str(field_label(obj, name)) for name in changes)
        if len(fields) > SUMMARY_MAX:
            fields = fields[: fields.rfind(" ", 0, SUMMARY_MAX)] + " …"
        return f"{len(changes)} trường: {fields}"

    @admin.display(description=_("Người thực hiện"))
    def user_url(self, obj):
        if obj.actor is None:
            return _("hệ thống")
        return format_html("{} ({})", super().user_url(obj), full_name(obj.actor))

    @admin.display(description=_("Mã liên kết"))
    def cid_url(self, obj):
        return super().cid_url(obj)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    @admin.display(description=_("Tình trạng"))
    def status(self, obj):
        return super().status(obj)
