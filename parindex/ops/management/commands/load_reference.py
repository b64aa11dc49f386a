from auditlog.context import disable_auditlog
from django.core.management.base import BaseCommand

from agencies.reference import reference_agencies_load
from parindex.indices.reference import reference_indices_load


class Command(BaseCommand):
    help = "Load or refresh provinces, standard agencies, collective names, indices, seed results."

    def handle(self, *args, **options):
        for label, load in (
            ("Tỉnh và cơ quan", reference_agencies_load),
            ("Chỉ số", reference_indices_load),
        ):
            # Reference data is the repository's fixtures/, whose history is git's: auditing
            # its ten thousand rows would triple the load and bury the edits people make.
            with disable_auditlog():
                report = load()
            created = ", ".join(f"{k}: {v}" for k, v in sorted(report.created.items())) or "không"
            updated = ", ".join(f"{k}: {v}" for k, v in sorted(report.updated.items())) or "không"
            self.stdout.write(f"{label}: tạo mới {created}; cập nhật {updated}.")
