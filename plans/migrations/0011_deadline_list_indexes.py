"""The deadline lists' indexes (plans.selectors.tasks_due_within, assignments_overdue): the
granted extensions by date (only the extended assignments are in it) and each plan's tasks by
due date (where the overdue list starts)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0010_task_due_order_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=models.Q(("extended_to__isnull", False)),
                fields=["extended_to"],
                name="assignment_extended_to_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["plan", "due_on"], name="task_plan_due_on_idx"),
        ),
    ]
