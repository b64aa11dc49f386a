"""Before a worker starts (systemd ExecStartPre, `make run`) and daily: file jobs whose run
was lost are queued again, and built files past their retention are deleted."""

from django.core.management.base import BaseCommand

from plans.files.jobs import file_jobs_delete_old, file_jobs_recover


class Command(BaseCommand):
    help = "Queue again the file jobs a killed worker left running; delete expired files."

    def handle(self, *args, **options):
        requeued = file_jobs_recover()
        deleted = file_jobs_delete_old()
        self.stdout.write(f"file jobs: {requeued} queued again, {deleted} expired deleted")
