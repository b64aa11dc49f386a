"""Fill the coarse counters added by 0012 from the exact ones already stored.

Without this, an installation upgraded to 0012 would show empty dashboards until the daily
`recount_tallies --fix` ran: the coarse tables start empty and the dashboard reads them. They
are sums of the exact tables (`AssignmentTally`, `SectionTally`, `PeriodReportTally`), the same
sums `plans.tallies` makes per section, so three INSERT ... SELECT fill them whole; on the ten
times dataset (about 9,8 million assignments) that is minutes, where recounting every section
from the assignments is over an hour. The SQL is written out here, not borrowed from
`plans.tallies` (which will change with the models); only the interval code of a date
(`plans.buckets.bucket_sql`, which follows the cut-off settings) is shared.
"""

from django.db import migrations

from plans.buckets import bucket_sql

LATE = "(done_on IS NOT NULL AND due_on IS NOT NULL AND done_on > due_on)"


def _bucketed(keys: str, table: str) -> str:
    count = len(keys.split(","))
    groups = ", ".join(str(i) for i in range(1, count + 5))
    return (
        f"SELECT {keys}, due_on, {bucket_sql('done_on')}, {LATE}, "
        f"{bucket_sql('last_report_on')}, SUM(n) FROM {table} GROUP BY {groups}"
    )


def fill(apps, schema_editor):
    agency_keys = "section_id, plan_id, province_id, year, agency_id, role"
    plan_keys = "plan_id, province_id, year"
    statements = [
        "DELETE FROM plans_assignmentbuckettally",
        "DELETE FROM plans_planbuckettally",
        "DELETE FROM plans_planperiodtally",
        f"INSERT INTO plans_assignmentbuckettally ({agency_keys}, due_on, done_in, late, "
        f"last_report_in, n) {_bucketed(agency_keys, 'plans_assignmenttally')}",
        f"INSERT INTO plans_planbuckettally ({plan_keys}, due_on, done_in, late, "
        f"last_report_in, n) {_bucketed(plan_keys, 'plans_sectiontally')}",
        f"INSERT INTO plans_planperiodtally ({plan_keys}, period, n) "
        f"SELECT {plan_keys}, period, SUM(n) FROM plans_periodreporttally GROUP BY 1, 2, 3, 4",
    ]
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0013_assignment_indexes_the_import_keeps"),
    ]

    operations = [
        # Reversing leaves the rows: 0012's reversal drops the tables.
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
