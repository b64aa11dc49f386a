"""Email reminders (nhắc việc): each agency's staff are told what is overdue and what falls due
in the next few days.

One email per agency, addressed to all its staff with an email address: the content is the
agency's work, the same for each of them, and one thread lets colleagues answer one another.
Work passes to successors (department mergers, the 2025 province merger), so an agency's
reminder also lists the open work of every agency whose work passed to it — the same work its
staff see and report on in the app (`agencies.roles.acting_agency_ids`).

The data is collected in a fixed number of queries whatever the number of agencies and tasks:
the staff, the successor links, and the open assignments due by the end of the window (with
their task, plan and agency); everything else is grouped in Python.

- `reminders_collect(today, days)`: what each agency would receive;
- `reminders_send(today, days)`: sends it (the `send_reminders` command);
- `period_reminder_send(assignments=..., period=...)`: a different email, sent from a reporting
  period's page: the assignments that have no update for that period yet, asking for the
  period's report.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from agencies.models import Agency, Membership
from agencies.roles import acting_ids_by_agency
from plans.models import Assignment, ProgressUpdate
from plans.periods import period_label
from plans.staleness import stale_q

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 7
DESCRIPTION_CHARS = 120
BODY_TEMPLATE = "plans/email/reminder.txt"


def base_url() -> str:
    return getattr(settings, "PARINDEX_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def task_url(task_id: int) -> str:
    return base_url() + reverse("plans:task_detail", args=[task_id])


def short_description(text: str, chars: int = DESCRIPTION_CHARS) -> str:
    """The description on one line, cut at a word boundary with an ellipsis."""
    return Truncator(" ".join(text.split())).chars(chars)


@dataclass(frozen=True)
class ReminderItem:
    """One task in a reminder, with the recipient agency's part(s) in it."""

    task_id: int
    number: str
    description: str
    plan: str
    roles: str  # "Chủ trì", or "Phối hợp (giao cho Sở Kế hoạch và Đầu tư)"; several joined by "; "
    due_on: datetime.date
    days: int  # days overdue (overdue list) or days left (due-soon list)
    url: str

    @property
    def due_text(self) -> str:
        return f"{self.due_on:%d/%m/%Y}"


@dataclass(frozen=True)
class StaleItem:
    """A task with no due date the agency has not reported on for a long time (plans.staleness)."""

    task_id: int
    number: str
    description: str
    plan: str
    roles: str
    deadline: str  # as written: "Thường xuyên", "Định kỳ hàng quý"...
    last_report: datetime.date | None  # None: never reported
    url: str


class _AgencyEmail:
    """One email to an agency's staff; subclasses say its subject and body."""

    def _render(self, template: str, **values) -> str:
        """The body from `template`, told about the agency as every body is, and the email's
        own `values`."""
        context = {
            "agency": self.agency,
            "has_predecessors": len(self.acting_ids) > 1,
            "province": self.agency.province.name,
            **values,
        }
        return render_to_string(template, context).strip() + "\n"

    def message(self, connection=None) -> EmailMessage:
        # From: DEFAULT_FROM_EMAIL.
        return EmailMessage(
            subject=self.subject, body=self.body, to=self.recipients, connection=connection
        )


@dataclass
class AgencyReminder(_AgencyEmail):
    agency: Agency
    recipients: list[str]
    overdue: list[ReminderItem]
    due_soon: list[ReminderItem]
    today: datetime.date
    days: int
    # The agencies whose work this agency carries (itself and its predecessors).
    acting_ids: frozenset[int] = frozenset()
    # Tasks with no due date not reported on for PARINDEX_STALE_DAYS ("lâu chưa cập nhật").
    stale: list[StaleItem] = field(default_factory=list)

    @property
    def subject(self) -> str:
        parts = []
        if self.overdue:
            parts.append(f"{len(self.overdue)} nhiệm vụ quá hạn")
        if self.due_soon:
            parts.append(f"{len(self.due_soon)} nhiệm vụ đến hạn trong {self.days} ngày")
        if self.stale:
            parts.append(f"{len(self.stale)} nhiệm vụ lâu chưa cập nhật")
        return f"[parindex] {', '.join(parts)} – {self.agency.name}"

    @property
    def body(self) -> str:
        return self._render(
            BODY_TEMPLATE,
            overdue=self.overdue,
            due_soon=self.due_soon,
            today=self.today,
            days=self.days,
            task_list_url=base_url() + reverse("plans:task_list"),
            stale=self.stale,
            stale_days=settings.PARINDEX_STALE_DAYS,
        )

    def summary(self) -> str:
        return (
            f"{self.agency.name} ({self.agency.province.name}): {len(self.overdue)} quá hạn, "
            f"{len(self.due_soon)} đến hạn trong {self.days} ngày, {len(self.stale)} lâu chưa "
            f"cập nhật → {', '.join(self.recipients)}"
        )


@dataclass
class ReminderResult:
    dry_run: bool = False
    sent: list[AgencyReminder] = field(default_factory=list)
    failed: list[tuple[AgencyReminder, str]] = field(default_factory=list)
    # With `wanted`: the agencies asked for that no email went out for (nobody with an email
    # address acts for them, or they have nothing to be reminded of).
    unreached_agency_ids: set[int] = field(default_factory=set)

    @property
    def emails(self) -> int:
        return len(self.sent)

    @property
    def recipients(self) -> int:
        return sum(len(reminder.recipients) for reminder in self.sent)

    @property
    def overdue(self) -> int:
        return sum(len(reminder.overdue) for reminder in self.sent)

    @property
    def due_soon(self) -> int:
        return sum(len(reminder.due_soon) for reminder in self.sent)

    def counts(self) -> dict[str, int]:
        return {
            "emails": self.emails,
            "recipients": self.recipients,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "failed": len(self.failed),
        }


def _staff_emails() -> dict[int, list[str]]:
    """Agency id → its active staff members' email addresses (one query)."""
    rows = (
        Membership.objects.filter(
            role=Membership.Role.STAFF, agency__isnull=False, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("agency_id", "user__email")
    )
    emails: dict[int, dict[str, str]] = defaultdict(dict)
    for agency_id, email in rows:
        email = email.strip()
        if email:
            emails[agency_id].setdefault(email.lower(), email)
    return {
        agency_id: sorted(by_folded.values(), key=str.lower)
        for agency_id, by_folded in emails.items()
    }


def _agency_note(assignment: Assignment, recipient: Agency) -> str:
    """Whose assignment this is when it is not the recipient's own (a predecessor's)."""
    if assignment.agency_id == recipient.pk:
        return ""
    name = assignment.agency.name
    if assignment.agency.province_id != recipient.province_id:
        name = f"{name}, {assignment.agency.province.name}"
    return f" (giao cho {name})"


def _roles(assignments, recipient: Agency) -> str:
    """ "Chủ trì; Phối hợp (giao cho …)": the lead first, then by agency name."""
    ordered = sorted(assignments, key=lambda a: (a.role != Assignment.Role.LEAD, a.agency.name))
    return "; ".join(str(a.get_role_display()) + _agency_note(a, recipient) for a in ordered)


def _tasks_by_recipient(assignments, acting: dict[int, frozenset[int]]):
    """For each recipient agency in `acting` (agency id → the agencies it acts for), its
    assignments among `assignments` grouped by task, in the order met; recipients with none
    are skipped. Yields (agency id, acting ids, [[assignments of one task], ...])."""
    by_agency: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_agency[assignment.agency_id].append(assignment)
    for agency_id, ids in acting.items():
        by_task: dict[int, list[Assignment]] = {}
        for pk in ids:
            for assignment in by_agency.get(pk, ()):
                by_task.setdefault(assignment.task_id, []).append(assignment)
        if by_task:
            yield agency_id, ids, list(by_task.values())


def _item(task, assignments, recipient: Agency, today: datetime.date) -> ReminderItem:
    return ReminderItem(
        task_id=task.pk,
        number=task.number or "(không số)",
        description=short_description(task.description),
        plan=str(task.plan),
        roles=_roles(assignments, recipient),
        due_on=task.due_on,
        days=abs((task.due_on - today).days),
        url=task_url(task.pk),
    )


def reminders_collect(
    today: datetime.date, days: int = DEFAULT_DAYS, *, agency_ids: Iterable[int] | None = None
) -> list[AgencyReminder]:
    """What each agency with staff would receive: its open assignments (and its predecessors')
    overdue or due in `days` days, and those with no due date "lâu chưa cập nhật"
    (plans.staleness), one line per task. Agencies with nothing to say are left out.

    `agency_ids` limits the reminders to the agencies acting for any of those agencies (the
    agency itself, when it has staff, and its successors)."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    staff = _staff_emails()
    acting = acting_ids_by_agency(staff)
    if agency_ids is not None:
        wanted = set(agency_ids)
        acting = {pk: ids for pk, ids in acting.items() if ids & wanted}
    if not acting:
        return []
    due = Q(
        task__due_on__isnull=False,
        task__due_on__lte=today + datetime.timedelta(days=days),
    ) & ~Q(status=Assignment.Status.DONE)
    # The same query brings the forgotten ongoing work, with each one's last report.
    last_report = ProgressUpdate.objects.filter(
        assignment=OuterRef("pk"), kind=ProgressUpdate.Kind.REPORT
    ).order_by("-created_at")
    assignments = (
        Assignment.objects.in_force()
        .filter(due | stale_q(today), agency_id__in=set().union(*acting.values()))
        .select_related("task", "task__plan", "agency", "agency__province")
        .annotate(last_report=Subquery(last_report.values("created_at")[:1]))
        .order_by("task_id", "pk")
    )
    agencies = Agency.objects.select_related("province").in_bulk(list(acting))

    reminders = []
    for agency_id, ids, all_tasks in _tasks_by_recipient(assignments, acting):
        by_task = [rows for rows in all_tasks if rows[0].task.due_on is not None]
        stale = [
            _stale_item(rows, agencies[agency_id])
            for rows in sorted(
                (rows for rows in all_tasks if rows[0].task.due_on is None),
                key=lambda rows: (
                    -rows[0].task.plan.year,
                    rows[0].task.plan.number,
                    rows[0].task.position,
                ),
            )
        ]
        tasks = sorted(
            by_task,
            key=lambda rows: (
                rows[0].task.due_on,
                -rows[0].task.plan.year,
                rows[0].task.plan.number,
                rows[0].task.position,
                rows[0].task_id,
            ),
        )
        items = [_item(rows[0].task, rows, agencies[agency_id], today) for rows in tasks]
        reminders.append(
            AgencyReminder(
                agency=agencies[agency_id],
                recipients=staff[agency_id],
                overdue=[item for item in items if item.due_on < today],
                due_soon=[item for item in items if item.due_on >= today],
                today=today,
                days=days,
                acting_ids=ids,
                stale=stale,
            )
        )
    reminders.sort(key=lambda r: (r.agency.province.name, r.agency.name, r.agency.pk))
    return reminders


def _stale_item(assignments, recipient: Agency) -> StaleItem:
    task = assignments[0].task
    reports = [a.last_report for a in assignments if a.last_report is not None]
    return StaleItem(
        task_id=task.pk,
        number=task.number or "(không số)",
        description=short_description(task.description),
        plan=str(task.plan),
        roles=_roles(assignments, recipient),
        deadline=task.deadline_text or "không có thời hạn",
        last_report=timezone.localtime(max(reports)).date() if reports else None,
        url=task_url(task.pk),
    )


def _deliver(reminders, *, dry_run: bool, connection=None, wanted=frozenset()) -> ReminderResult:
    result = _send_all(reminders, dry_run=dry_run, connection=connection)
    reached = set().union(*(reminder.acting_ids for reminder in result.sent))
    result.unreached_agency_ids = set(wanted) - reached
    return result


def _send_all(reminders, *, dry_run: bool, connection) -> ReminderResult:
    result = ReminderResult(dry_run=dry_run)
    if dry_run:
        result.sent = list(reminders)
        return result
    if not reminders:
        return result
    connection = connection or get_connection()
    try:
        connection.open()  # one SMTP session for the whole run
    except Exception as exc:  # SMTP, socket and TLS errors alike: nothing can be sent
        logger.exception("reminders: could not connect to the mail server")
        result.failed = [(reminder, str(exc)) for reminder in reminders]
        return result
    try:
        for reminder in reminders:
            try:
                reminder.message(connection).send()
            except Exception as exc:  # one agency's failure must not stop the others
                logger.exception("reminders: sending to %s failed", reminder.agency)
                result.failed.append((reminder, str(exc)))
            else:
                logger.info("reminders: sent to %s", reminder.summary())
                result.sent.append(reminder)
    finally:
        connection.close()
    return result


def reminders_send(
    today: datetime.date,
    days: int = DEFAULT_DAYS,
    *,
    dry_run: bool = False,
    agency_ids: Iterable[int] | None = None,
    connection=None,
) -> ReminderResult:
    """Email every agency with staff its overdue and due-soon work (or, with `dry_run`, only
    say what would be sent). Agencies with nothing overdue or due get no email."""
    reminders = reminders_collect(today, days, agency_ids=agency_ids)
    return _deliver(reminders, dry_run=dry_run, connection=connection)


# The period reminder ----------------------------------------------------------------------

PERIOD_BODY_TEMPLATE = "plans/email/period_reminder.txt"


@dataclass(frozen=True)
class PeriodItem:
    """One task an agency has not reported on for the period."""

    task_id: int
    number: str
    description: str
    plan: str
    roles: str
    deadline: str  # "hạn 30/06/2024", or the deadline as written when it has no date
    url: str


@dataclass
class PeriodReminder(_AgencyEmail):
    """The email asking one agency for its report of a period."""

    agency: Agency
    recipients: list[str]
    items: list[PeriodItem]
    period: str  # "2024-H1"
    period_label: str  # "6 tháng 2024"
    start: datetime.date
    cutoff: datetime.date
    acting_ids: frozenset[int] = frozenset()

    @property
    def subject(self) -> str:
        return (
            f"[parindex] Đề nghị báo cáo kỳ {self.period_label}: {len(self.items)} nhiệm vụ "
            f"chưa báo cáo – {self.agency.name}"
        )

    @property
    def body(self) -> str:
        query = urlencode({"not_reported": self.period, "year": self.cutoff.year})
        return self._render(
            PERIOD_BODY_TEMPLATE,
            items=self.items,
            period_label=self.period_label,
            start=self.start,
            cutoff=self.cutoff,
            task_list_url=f"{base_url()}{reverse('plans:task_list')}?{query}",
        )

    def summary(self) -> str:
        return (
            f"{self.agency.name} ({self.agency.province.name}): {len(self.items)} nhiệm vụ chưa "
            f"báo cáo kỳ {self.period_label} → {', '.join(self.recipients)}"
        )


def _deadline_text(task) -> str:
    if task.due_on:
        return f"hạn {task.due_on:%d/%m/%Y}"
    return task.deadline_text or "không có thời hạn"


def period_reminders_collect(
    *, assignments, period: str, start: datetime.date, cutoff: datetime.date
) -> tuple[list[PeriodReminder], set[int]]:
    """For a period, what each agency with staff would be asked to report: its assignments
    among `assignments` (and its predecessors') without a progress update for that period code,
    one line per task. Also returns the agencies that have something unreported.
    Four queries: the staff, the successor links, the unreported assignments with their task,
    plan and agency, and the recipient agencies."""
    reported = ProgressUpdate.objects.filter(assignment=OuterRef("pk"), period=period)
    unreported = list(
        assignments.filter(~Exists(reported))
        .select_related("task", "task__plan", "agency", "agency__province")
        .order_by("task__plan__year", "task__plan_id", "task__position", "task_id", "pk")
    )
    wanted = {assignment.agency_id for assignment in unreported}
    staff = _staff_emails()
    acting = {pk: ids for pk, ids in acting_ids_by_agency(staff).items() if ids & wanted}
    agencies = Agency.objects.select_related("province").in_bulk(list(acting))
    reminders = []
    # Every recipient has some: `acting` keeps only agencies acting for one in `wanted`.
    for agency_id, ids, by_task in _tasks_by_recipient(unreported, acting):
        recipient = agencies[agency_id]
        items = []
        for rows in sorted(
            by_task,
            key=lambda rows: (rows[0].task.plan.year, rows[0].task.plan_id, rows[0].task.position),
        ):
            task = rows[0].task
            items.append(
                PeriodItem(
                    task_id=task.pk,
                    number=task.number or "(không số)",
                    description=short_description(task.description),
                    plan=str(task.plan),
                    roles=_roles(rows, recipient),
                    deadline=_deadline_text(task),
                    url=task_url(task.pk),
                )
            )
        reminders.append(
            PeriodReminder(
                agency=recipient,
                recipients=staff[agency_id],
                items=items,
                period=period,
                period_label=period_label(period),
                start=start,
                cutoff=cutoff,
                acting_ids=ids,
            )
        )
    reminders.sort(key=lambda r: (r.agency.province.name, r.agency.name, r.agency.pk))
    return reminders, wanted


@dataclass(frozen=True)
class PeriodReminderOutline:
    """Who the period reminder would write to, for the confirmation step."""

    agencies: int  # emails: one per agency with someone to write to
    recipients: int  # addresses, counted once per email they are on
    unreached: int  # agencies with unreported work and nobody to email for them


def period_reminder_outline(
    *, assignments, period: str, start: datetime.date, cutoff: datetime.date
) -> PeriodReminderOutline:
    """What `period_reminder_send` would send, counted without sending anything."""
    reminders, wanted = period_reminders_collect(
        assignments=assignments, period=period, start=start, cutoff=cutoff
    )
    reached = set().union(*(reminder.acting_ids for reminder in reminders))
    return PeriodReminderOutline(
        agencies=len(reminders),
        recipients=sum(len(reminder.recipients) for reminder in reminders),
        unreached=len(wanted - reached),
    )


def period_reminder_send(
    *,
    assignments,
    period: str,
    start: datetime.date,
    cutoff: datetime.date,
    dry_run: bool = False,
    connection=None,
) -> ReminderResult:
    """Ask every agency that has not reported on some of `assignments` for the period (its
    staff, or its successor's) for that report, one email per agency. `unreached_agency_ids`
    says which of those agencies nobody could be emailed for."""
    reminders, wanted = period_reminders_collect(
        assignments=assignments, period=period, start=start, cutoff=cutoff
    )
    return _deliver(reminders, dry_run=dry_run, connection=connection, wanted=wanted)
