from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from plans.reminders import DEFAULT_DAYS, reminders_send


class Command(BaseCommand):
    help = "Email each agency's staff its overdue tasks and those due in the next N days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"include tasks due within this many days from today (default {DEFAULT_DAYS})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be sent; send nothing"
        )

    def handle(self, *args, days, dry_run, verbosity, **options):
        if days < 0:
            raise CommandError("--days phải là số không âm (must be 0 or more).")
        today = timezone.localdate()
        result = reminders_send(today, days, dry_run=dry_run)
        prefix = "[chạy thử] " if dry_run else ""
        for reminder in result.sent:
            self.stdout.write(prefix + reminder.summary())
            if dry_run and verbosity >= 2:
                self.stdout.write(f"  Tiêu đề: {reminder.subject}\n{reminder.body}")
        for reminder, error in result.failed:
            self.stderr.write(f"Không gửi được cho {reminder.agency.name}: {error}")
        counts = result.counts()
        verb = "Sẽ gửi" if dry_run else "Đã gửi"
        self.stdout.write(
            f"{prefix}{verb} {counts['emails']} thư cho {counts['recipients']} người nhận "
            f"({counts['overdue']} nhiệm vụ quá hạn, {counts['due_soon']} nhiệm vụ đến hạn "
            f"trong {days} ngày, tính đến {today:%d/%m/%Y})."
        )
        if result.failed:
            raise CommandError(f"{len(result.failed)} thư không gửi được.")
