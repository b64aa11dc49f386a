"""The audit trail: which models django-auditlog records, what it must never copy, and how
writes that bypass model signals are recorded.

Every save and delete of the registered models through the ORM (the app's forms, the admin,
services) becomes one auditlog LogEntry with the actor (bound per request by
AuditlogMiddleware), the time, the client address, and the old and new value of each changed
field. `QuerySet.update`, `bulk_create` and `bulk_update` send no signals, so the code that
uses them records its entries with `audit_updates` (plans.services, plans.importing.sync);
the import also records one entry per run on its plan (plans.importing.pipeline). Services that
write many rows at once, or that must name their actor outside a request, record every row's
entry themselves with `audit_rows` (plans.services, settling unknown agency names).
"""

from dataclasses import dataclass

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str


def mask(value) -> str:
    """Replaces a masked field's value entirely (auditlog's default keeps half of it)."""
    return "••••••"


def audit_updates(pairs, *, actor=None, additional_data: dict | None = None) -> int:
    """Record one UPDATE entry per (old, new) pair whose audited fields differ, for rows saved
    without model signals. The diff is auditlog's own. Returns how many entries were written.

    The entries are inserted in bulk, which sends no pre_save; it is sent here for each entry,
    so auditlog's request binding fills in the user and address exactly as for a plain save
    (and only while that request runs: its context outlives the request in the thread, so it
    is never read directly). An explicit `actor` wins.
    """
    return audit_rows(
        [updated(old, new) for old, new in pairs], actor=actor, additional_data=additional_data
    )


@dataclass(frozen=True)
class Change:
    """One row's change, taken when it happens (a deleted row has no pk afterwards, and its
    name may need rows deleted with it)."""

    action: int
    model: type
    pk: int
    repr: str
    changes: dict | None


def _change(action, obj, changes) -> Change:
    return Change(action, type(obj), obj.pk, smart_str(obj), changes)


def created(obj) -> Change:
    """A CREATE for `audit_rows`: every audited field from nothing to its value."""
    return _change(LogEntry.Action.CREATE, obj, model_instance_diff(None, obj))


def updated(old, new) -> Change:
    return _change(LogEntry.Action.UPDATE, new, model_instance_diff(old, new))


def deleted(obj) -> Change:
    """A DELETE for `audit_rows`, taken before the row is deleted."""
    return _change(LogEntry.Action.DELETE, obj, model_instance_diff(obj, None))


def m2m_added(obj, field_name: str, added) -> Change:
    """An UPDATE listing the rows added to a many-to-many field, written as auditlog writes it."""
    objects = [smart_str(item) for item in added]
    changes = {field_name: {"type": "m2m", "operation": "add", "objects": objects}}
    return _change(LogEntry.Action.UPDATE, obj, changes if objects else None)


def audit_rows(changes, *, actor=None, additional_data: dict | None = None) -> int:
    """Record one entry per `Change` that changed something, in one insert, as `actor` when
    given (else the request's user, see `audit_updates`). For writes that send no model
    signals, or whose signals' entries are switched off to name the actor outside a request.
    Returns how many entries were written."""
    cid = get_cid()
    entries = []
    for change in changes:
        if not change.changes:
            continue
        entry = LogEntry(
            content_type=ContentType.objects.get_for_model(change.model),
            object_pk=str(change.pk),
            object_id=change.pk,
            object_repr=change.repr,
            action=change.action,
            changes=change.changes,
            actor=actor,
            actor_email=getattr(actor, "email", None),
            cid=cid,
            additional_data=additional_data,
        )
        pre_save.send(
            sender=LogEntry, instance=entry, raw=False, using="default", update_fields=None
        )
        entries.append(entry)
    LogEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


class AuditedAdmin(AuditlogHistoryAdminMixin):
    """The admin's "Lịch sử thay đổi" (History) button shows the audit trail (every change, made in the app or in
    the admin), not only the admin's own log."""

    show_auditlog_history_link = False

    def history_view(self, request, object_id, extra_context=None):
        return self.auditlog_history_view(request, object_id, extra_context)
