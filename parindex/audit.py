"""The audit trail: which models django-auditlog records, what it must never copy, and how
writes that bypass model signals are recorded.

Every save and delete of the registered models through the ORM (the app's forms, the admin,
services) becomes one auditlog LogEntry with the actor (bound per request by
AuditlogMiddleware), the time, the client address, and the old and new value of each changed
field. `QuerySet.update`, `bulk_create` and `bulk_update` send no signals, so the code that
uses them records its entries with `audit_updates` (plans.services, plans.importing.sync);
the import also records one entry per run on its plan (plans.importing.pipeline).
"""

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str


def mask(value) -> str:
    """Replaces a masked field's value entirely (auditlog's default keeps half of it)."""
    return "••••••"


def register_audited_models() -> None:
    from agencies.models import Agency, AgencyAlias, Membership
    from parindex.models import CriterionScore, Result
    from plans.models import Assignment, Evidence, Plan, Section, Task

    auditlog.register(Plan, m2m_fields={"indices"})
    # Position, source row and the folded search text follow the workbook's layout, not anyone's
    # decision: the import run's own entry names the file they came from.
    auditlog.register(
        Task,
        m2m_fields={"criteria"},
        exclude_fields=["position", "source_sheet", "source_row", "search_text"],
    )
    auditlog.register(Section, exclude_fields=["position"])
    # version and updated_at change with every save; the entry has its own timestamp.
    auditlog.register(Assignment, exclude_fields=["version", "updated_at"])
    # Evidence is only ever added (plans.services saves each file with a plain save, so the entry
    # carries the uploader and address); an entry for a deletion would show a way around the
    # admin's refusal. Progress updates are not registered: each is itself an append-only record
    # of who changed what and when, and no code path edits or deletes one.
    auditlog.register(Evidence)
    for model in (Agency, AgencyAlias, Membership, Result, CriterionScore):
        auditlog.register(model)
    # last_login changes at every login: recording it would log each login as an edit.
    auditlog.register(
        get_user_model(),
        exclude_fields=["last_login"],
        mask_fields=["password"],
        m2m_fields={"groups", "user_permissions"},
    )


def audit_updates(pairs, *, actor=None, additional_data: dict | None = None) -> int:
    """Record one UPDATE entry per (old, new) pair whose audited fields differ, for rows saved
    without model signals. The diff is auditlog's own. Returns how many entries were written.

    The entries are inserted in bulk, which sends no pre_save; it is sent here for each entry,
    so auditlog's request binding fills in the user and address exactly as for a plain save
    (and only while that request runs: its context outlives the request in the thread, so it
    is never read directly). An explicit `actor` wins.
    """
    cid = get_cid()
    entries = []
    for old, new in pairs:
        changes = model_instance_diff(old, new)
        if not changes:
            continue
        entry = LogEntry(
            content_type=ContentType.objects.get_for_model(new),
            object_pk=str(new.pk),
            object_id=new.pk,
            object_repr=smart_str(new),
            action=LogEntry.Action.UPDATE,
            changes=changes,
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
    """The admin's "Bản ghi nhớ" (History) button shows the audit trail (every change, made in the app or in
    the admin), not only the admin's own log."""

    show_auditlog_history_link = False

    def history_view(self, request, object_id, extra_context=None):
        return self.auditlog_history_view(request, object_id, extra_context)
