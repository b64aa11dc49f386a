"""Assignment: drop the single-column index on agency, which assignment_agency_status_idx
already serves, and index reviewed_by only where it is set. An annex import inserts some 81,000
assignments, each index kept up per row.

The indexes are dropped by name, without the constraint rebuild AlterField would do
(dropping and re-adding, so re-validating, the foreign keys over every assignment)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the indexes db_index=True made (the same on SQLite and PostgreSQL).
DROPPED = {
    "agency": "plans_assignment_agency_id_4aab410d",
    "reviewed_by": "plans_assignment_reviewed_by_id_2857b192",
}


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_initial"),
        ("plans", "0012_bucket_tallies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="assignment",
                    name="agency",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assignments",
                        to="agencies.agency",
                        verbose_name="cơ quan",
                    ),
                ),
                migrations.AlterField(
                    model_name="assignment",
                    name="reviewed_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người xác nhận",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "plans_assignment" ("{field}_id")',
                )
                for field, name in DROPPED.items()
            ],
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=models.Q(("reviewed_by__isnull", False)),
                fields=["reviewed_by"],
                name="assignment_reviewed_by_idx",
            ),
        ),
    ]
