import itertools

import django_tables2 as tables
from django.db.models import Count
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django_tables2.data import TableQuerysetData

from plans.models import Assignment
from plans.selectors import DUE_ORDER, work_done_q
from plans.timeliness import GROUPS, TIMELINESS_LABELS


def task_number(task) -> str:
    """The task's number with its section's, the way the plan is read: task 3 of section II is
    "II.3". A number that already starts with its section's ("1.1" in section 1) is shown as
    it is."""
    number, section = task.number, task.section.number.rstrip(".")
    if not (number and section) or number == section or number.startswith(section + "."):
        return number
    return f"{section}.{number}"


class OpenWorkFirst(TableQuerysetData):
    """The list's rows in their default order (`plans.selectors.assignment_list`: open work by
    due date, then done work), each page read from one part in `DUE_ORDER`, which PostgreSQL
    answers from the due-date index a page at a time: sorting every row by the computed "done"
    key would sort the whole country for each page (~0,7 s instead of ~20 ms). The count of
    the rows counts the open ones in the same query, so a page knows its part: one query a
    page, as before. A column the user sorts by replaces all this with the plain queryset.
    Without a count (the whole country's list), the page where open work ends takes two."""

    def __init__(self, rows, *, today):
        super().__init__(rows)
        done = work_done_q(today)
        self.done = done
        self.parts = (
            rows.filter(~done).order_by(*DUE_ORDER),
            rows.filter(done).order_by(*DUE_ORDER),
        )
        self._open = None  # how many rows the open part has, once counted

    def order_by(self, aliases):
        if aliases:
            self.parts = None
        super().order_by(aliases)

    def __len__(self):
        if self.parts is None or getattr(self, "_length", None) is not None:
            return super().__len__()
        counts = self.data.order_by().aggregate(
            rows=Count("pk"), open=Count("pk", filter=~self.done)
        )
        self._length, self._open = counts["rows"], counts["open"]
        return self._length

    def count_up_to(self, cap: int) -> int | None:
        """The number of rows if it is at most `cap` (and then the page needs no other count),
        else None, in one query that stops at the `cap + 1`-th row: a search's rows all
        pass a text test, and counting every one costs as much as they are many."""
        counts = self.data.order_by()[: cap + 1].aggregate(
            rows=Count("pk"), open=Count("pk", filter=~self.done)
        )
        if counts["rows"] > cap:
            return None
        if self.parts is not None:
            self._open = counts["open"]
        self._length = counts["rows"]
        return self._length

    def __iter__(self):
        if self.parts is None:
            return super().__iter__()
        return itertools.chain(*self.parts)

    def __getitem__(self, key):
        if self.parts is None or not isinstance(key, slice) or key.step:
            return super().__getitem__(key)
        open_rows, done_rows = self.parts
        start, stop = key.start or 0, key.stop
        if self._open is not None:  # counted: each page knows which part it is in
            if stop is not None and stop <= self._open:
                return _page(open_rows, start, stop)
            if start >= self._open:
                end = None if stop is None else stop - self._open
                return _page(done_rows, start - self._open, end)
            # The page where open work ends (a short list's only page): one query, sorted by
            # the "done" key too, which costs little on a few rows.
            return list(self.data[start:stop])
        # Not counted (the whole country): the open part, then the done part if it ends here.
        rows = _page(open_rows, start, stop)
        if stop is not None and len(rows) == stop - start:
            return rows
        opened = start + len(rows) if rows or start == 0 else open_rows.count()
        end = None if stop is None else stop - opened
        return rows + _page(done_rows, max(start - opened, 0), end)


def _page(part, start, stop) -> list:
    """Rows `start:stop` of a part of the list, in its order (`DUE_ORDER`), in one query.

    A deep page is found by walking the due-date index past every row before it (12,475 rows
    at page 500 of the whole country): the walk reads only what it filters and sorts by (the
    task, the assignment), and only the page's own rows are joined with their plan, section
    and agency. Joining every row walked made the page 2–3 times slower (208 → 80 ms of
    SQL at page 500 nationally, same rows). The first page walks no row it does not show:
    there the plain query is planned in half the time (~1,3 against ~2,4 ms)."""
    if not start:
        return list(part[:stop])
    return list(part.filter(pk__in=part.values("pk")[start:stop]))


class AssignmentTable(tables.Table):
    # Every ordering ends with the primary key: many rows share a due date (or none), a plan or
    # a status, and without a unique last key the database may order ties differently on each
    # query, so a row could show on two pages and another on none.
    number = tables.Column(
        "TT", accessor="task__number", order_by=("task__plan_id", "task__position", "pk")
    )
    description = tables.Column(
        "Nhiệm vụ", accessor="task__description", order_by=("task__description", "pk")
    )
    agency = tables.Column("Cơ quan", accessor="agency__name", order_by=("agency__name", "pk"))
    role = tables.Column("Vai trò", accessor="role", order_by=("role", "pk"))
    status = tables.Column("Tiến độ", accessor="status", order_by=("status", "pk"))
    due = tables.Column(
        "Hạn", accessor="task__due_on", order_by=("task__due_on", "pk"), empty_values=()
    )
    timeliness = tables.Column("Thời hạn", accessor="timeliness", order_by=("timeliness", "pk"))
    plan = tables.Column(
        "Kế hoạch",
        accessor="task__plan__number",
        # The plan id after its number: the same number's plans of several provinces each
        # keep their rows together.
        order_by=("task__plan__year", "task__plan__number", "task__plan_id", "pk"),
    )

    class Meta:
        model = Assignment
        fields = ()
        sequence = (
            "number",
            "description",
            "agency",
            "role",
            "status",
            "due",
            "timeliness",
            "plan",
        )
        attrs = {"class": "list tasks"}
        template_name = "plans/_table.html"
        empty_text = "Không có nhiệm vụ nào khớp bộ lọc."
        # No default column: the rows come in the selector's order (`OpenWorkFirst`).

    def __init__(self, *args, shows_province: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Plan numbers restart in every province: `plans.selectors.list_shows_province`.
        self.shows_province = shows_province
        if "agency" in self.exclude:  # the phone layout labels cells by position
            self.attrs = {**self.attrs, "class": "list tasks no-agency"}

    def body_rows(self):
        """The page's rows as HTML, built in one pass.

        django-tables2's own row loop inspects a render_* method's signature for every cell and
        resolves a dozen template variables per cell: for 25 rows × 8 columns that was more
        than half of the page's time. The cells below are the same render_* methods, called
        directly; sorting, pagination, the header and the columns shown stay django-tables2's."""
        shown = [column.name for column in self.columns]
        records = (row.record for row in self.paginated_rows)
        return [
            format_html(
                '<tr class="{}">{}</tr>',
                "odd" if counter % 2 else "even",
                format_html_join(
                    "", "<td>{}</td>", ((cell,) for cell in self._cells(record, shown))
                ),
            )
            for counter, record in enumerate(records)
        ]

    def _cells(self, record, shown):
        task = record.task
        cells = {
            "number": lambda: task_number(task) or self.columns["number"].default,
            "description": lambda: (
                self.render_description(record, task.description)
                if task.description
                else self.columns["description"].default
            ),
            "agency": lambda: record.agency.name,
            "role": lambda: self.render_role(record),
            "status": lambda: self.render_status(record),
            "due": lambda: self.render_due(record, task.due_on),
            "timeliness": lambda: self.render_timeliness(record.timeliness),
            "plan": lambda: self.render_plan(record),
        }
        return [cells[name]() for name in shown]

    def render_description(self, record, value):
        url = reverse("plans:task_detail", args=[record.task_id])
        text = value if len(value) <= 160 else value[:157] + "…"
        return format_html('<a href="{}">{}</a>', url, text)

    def render_due(self, record, value):
        due = self._due(record, value)
        if record.extension_status == "pending":
            # Sở Nội vụ's cue that a request waits for its decision.
            return format_html('{} <span class="extension-pending">chờ duyệt gia hạn</span>', due)
        return due

    def _due(self, record, value):
        if record.extended_to:
            # The granted date counts; the annex's date stays in sight.
            return format_html(
                '{} <span class="extended">đã gia hạn</span> <small class="muted">(hạn gốc {})'
                "</small>",
                record.extended_to.strftime("%d/%m/%Y"),
                value.strftime("%d/%m/%Y") if value else record.task.deadline_text or "—",
            )
        return value.strftime("%d/%m/%Y") if value else record.task.deadline_text or "—"

    def render_timeliness(self, value):
        return format_html(
            '<span class="t t-{}">{}</span>', value, TIMELINESS_LABELS.get(value, value)
        )

    def render_role(self, record):
        return record.get_role_display()

    def render_status(self, record):
        return record.get_status_display()

    def render_plan(self, record):
        plan = record.task.plan
        if self.shows_province:
            return plan.picker_label()  # "22/KH-UBND (2018) – Lào Cai", as the plan picker
        return f"{plan.number} ({plan.year})"


_NO_RATE = '<td class="num">—</td>'


def dashboard_table_rows(rows: list[dict], *, name_key: str, roles: bool = False) -> list[str]:
    """The dashboard's table rows (`plans.dashboard`) as HTML, in one pass: the agency, plan,
    section and index tables of a province are ~100 rows of ~10 linked numbers, and the
    template engine spent ~15 ms resolving their ~2,500 variables. The cells are the ones
    templates/plans/_dashboard_table.html heads: `roles` adds led, supported and the last
    update (the agencies' table). Numbers, rates and dates are localized as the template did."""
    texts: dict = {}  # most numbers repeat (0, 1...): each is localized once

    def text(value) -> str:
        key = (type(value), value)  # 100 and 100.0 are equal keys, not the same text
        shown = texts.get(key)
        if shown is None:
            shown = texts[key] = str(localize(value))
        return shown

    linked = [*(("led", "supported") if roles else ()), *GROUPS, "not_reported"]
    html = []
    for row in rows:
        links = row["links"]
        cells = [format_html("<td>{}</td>", row.get(name_key) or "—")]
        cells.extend(
            format_html('<td class="num"><a href="{}">{}</a></td>', links[key], text(row[key]))
            for key in linked
        )
        rate = row["completion_rate"]
        cells.append(
            format_html('<td class="num">{}%</td>', text(rate)) if rate is not None else _NO_RATE
        )
        if roles:
            last = row["last_update"]
            day = date_format(localtime(last), "d/m/Y") if last else "—"
            cells.append(format_html("<td>{}</td>", day))
        html.append(mark_safe(f"<tr>{''.join(cells)}</tr>"))
    return html


def _day(value) -> str:
    return value.strftime("%d/%m/%Y")  # the templates' date:"d/m/Y"


def assignment_cards(rows, *, empty: str) -> str:
    """Assignments as cards (the home page's queues, the dashboard's overdue work) in one pass:
    the template engine spent ~7 ms resolving the ~20 variables of each of the dashboard's 50
    cards. Each links its task and says its agency, role, status and due date (the granted
    extension marked, the annex's date beside it)."""
    if not rows:
        return format_html('<p class="muted">{}</p>\n', empty)
    # get_FOO_display translates every choice of the field for each call: once per list here.
    roles, statuses = dict(Assignment.Role.choices), dict(Assignment.Status.choices)
    roles, statuses = ({k: str(v) for k, v in d.items()} for d in (roles, statuses))
    cards = []
    for a in rows:
        task = a.task
        if a.extended_to:
            due = format_html(
                'hạn {} <span class="extended">đã gia hạn</span> <small class="muted">(hạn gốc {})'
                "</small>",
                _day(a.extended_to),
                _day(task.due_on) if task.due_on else "",
            )
        else:
            due = format_html("hạn {}", _day(task.due_on) if task.due_on else task.deadline_text)
        cards.append(
            format_html(
                '\n  <li>\n    <a href="{}">{}. {}</a>\n    <div class="meta">{} · {} · {} · {}</div>'
                "\n  </li>\n  ",
                reverse("plans:task_detail", args=[a.task_id]),
                task.number,
                # Truncator walks every character: only a longer text can need cutting.
                task.description
                if len(task.description) <= 140
                else Truncator(task.description).chars(140),
                a.agency.name,
                roles.get(a.role, a.role),
                statuses.get(a.status, a.status),
                due,
            )
        )
    return mark_safe(f'\n<ul class="cards">\n  {"".join(cards)}\n</ul>\n\n')
