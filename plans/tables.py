import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from plans.models import Assignment
from plans.timeliness import TIMELINESS_LABELS


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
        order_by=("task__plan__year", "task__plan__number", "pk"),
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
        order_by = ("due",)

    def body_rows(self):
        """The page's rows as HTML, built in one pass.

        django-tables2's own row loop inspects a render_* method's signature for every cell and
        resolves a dozen template variables per cell: for 25 rows × 8 columns that was more
        than half of the page's time. The cells below are the same render_* methods, called
        directly; sorting, pagination and the header stay django-tables2's."""
        records = (row.record for row in self.paginated_rows)
        return [
            format_html(
                '<tr class="{}">{}</tr>',
                "odd" if counter % 2 else "even",
                format_html_join("", "<td>{}</td>", ((cell,) for cell in self._cells(record))),
            )
            for counter, record in enumerate(records)
        ]

    def _cells(self, record):
        task = record.task
        return (
            task.number or self.columns["number"].default,
            self.render_description(record, task.description)
            if task.description
            else self.columns["description"].default,
            record.agency.name,
            self.render_role(record),
            self.render_status(record),
            self.render_due(record, task.due_on),
            self.render_timeliness(record.timeliness),
            self.render_plan(record),
        )

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
        return f"{record.task.plan.number} ({record.task.plan.year})"
