"""The plans' folded number and title, for the task list's plan picker: an administrator finds
a plan among the country's by typing part of its number or title, without diacritics.

The fill folds each plan once here (a few thousand plans even at ten times the national data);
`fold` is the same function `Plan.save` uses from now on.
"""

from django.db import migrations, models

from parindex.core.text import fold


def fill(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    plans = list(Plan.objects.only("pk", "number", "title"))
    for plan in plans:
        plan.search_text = fold(f"{plan.number} {plan.title}")
    Plan.objects.bulk_update(plans, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0014_fill_bucket_tallies"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="search_text",
            field=models.TextField(
                blank=True, editable=False, verbose_name="nội dung chuẩn hóa"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
