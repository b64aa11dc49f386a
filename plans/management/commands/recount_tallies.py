"""Check the dashboard's counters against a recount of the assignments (daily timer)."""

from django.core.management.base import BaseCommand, CommandError

from plans.tallies import tallies_differences, tallies_refresh

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Recount the dashboard's counters; report the sections that differ (--fix: rewrite them)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="rewrite the counters of the sections that differ"
        )

    def handle(self, *args, fix, **options):
        differing = tallies_differences()
        shown = ", ".join(str(pk) for pk in differing[:SHOWN])
        more = f" (+{len(differing) - SHOWN})" if len(differing) > SHOWN else ""
        self.stdout.write(
            f"tallies: {len(differing)} sections differ from the recount"
            + (f": {shown}{more}" if differing else "")
        )
        if differing and fix:
            tallies_refresh(section_ids=differing)
            self.stdout.write(f"tallies: {len(differing)} sections rewritten")
        elif differing:
            raise CommandError("the counters differ from the recount; run with --fix", returncode=1)
