from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.files.export import plan_export_xlsx
from plans.models import Plan


class Command(BaseCommand):
    help = "Export a plan's tasks to a workbook in the annex layout (re-importable)."

    def add_arguments(self, parser):
        parser.add_argument("plan_id", type=int, help="the plan's id (see the admin)")
        parser.add_argument("path", help="where to write the .xlsx")

    def handle(self, *args, plan_id, path, **options):
        try:
            plan = Plan.objects.select_related("province").get(pk=plan_id)
        except Plan.DoesNotExist:
            raise CommandError(f"Không có kế hoạch mã {plan_id}.") from None
        Path(path).write_bytes(plan_export_xlsx(plan))
        self.stdout.write(f"Đã xuất {plan} ra {path}.")
