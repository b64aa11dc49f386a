"""Check the dashboard's counters against a recount of the assignments (daily timer)."""

from django.core.management.base import BaseCommand, CommandError

from plans.tallies import tallies_differences, tallies_orphans, tallies_refresh

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
        orphans = {name: rows for name, rows in tallies_orphans().items() if rows.exists()}
        if orphans:
            self.stdout.write(
                "tallies: rows of deleted sections, plans or agencies in "
                + ", ".join(f"{name} ({rows.count()})" for name, rows in orphans.items())
            )
        if fix:
            # The orphans first: a plan's rows are summed from its sections' rows as stored.
            for name, rows in orphans.items():
                self.stdout.write(f"tallies: {rows.delete()[0]} rows of {name} deleted")
            if differing:
                tallies_refresh(section_ids=differing)
                self.stdout.write(f"tallies: {len(differing)} sections rewritten")
        elif differing or orphans:
            raise CommandError("the counters differ from the recount; run with --fix", returncode=1)
