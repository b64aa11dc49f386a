from django.core.management.base import BaseCommand, CommandError

from parindex.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded evidence files into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="the archive to write, or a directory (a dated name is made inside it)"
        )

    def handle(self, *args, path, **options):
        try:
            summary = backup_create(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{label}: {n}" for label, n in summary.counts.items())
        self.stdout.write(
            f"Đã sao lưu ({summary.vendor}) vào {summary.path}: {counts}; "
            f"{summary.media_files} tệp tải lên."
        )
