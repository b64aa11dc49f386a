from django.core.management.base import BaseCommand, CommandError

from parindex.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from an archive made by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .tar.gz archive written by `manage.py backup`")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, path, interactive, **options):
        def confirm(manifest) -> bool:
            counts = ", ".join(f"{label}: {n}" for label, n in manifest["counts"].items())
            self.stdout.write(
                f"Bản sao lưu hợp lệ, tạo lúc {manifest['created_at']} ({manifest['vendor']}): "
                f"{counts}; {len(manifest['files']) - 1} tệp tải lên."
            )
            if not interactive:
                return True
            try:
                answer = input(
                    "Khôi phục sẽ THAY TOÀN BỘ dữ liệu và tệp tải lên hiện tại bằng bản sao lưu "
                    "này. Gõ 'yes' để tiếp tục: "
                )
            except EOFError:  # no terminal (cron, a pipe): only --noinput may go ahead
                return False
            return answer.strip().lower() == "yes"

        try:
            summary = backup_restore(path=path, confirm=confirm)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if summary is None:
            raise CommandError("Đã huỷ: không có gì bị thay đổi.")
        counts = ", ".join(f"{label}: {n}" for label, n in summary.counts.items())
        self.stdout.write(f"Đã khôi phục từ {summary.path}: {counts}; {summary.media_files} tệp.")
