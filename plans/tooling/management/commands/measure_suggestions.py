"""Print the precision of the suggested criterion links against the hand links."""

import json

from django.core.management.base import BaseCommand

from plans.tooling.suggestion_precision import measure


class Command(BaseCommand):
    help = "Measure suggested task → criterion links against the hand links of the two annexes."

    def add_arguments(self, parser):
        parser.add_argument("--misses", action="store_true", help="list the tasks missed")

    def handle(self, *args, misses, **options):
        figures = measure()
        for name, annex in figures["annexes"].items():
            if not misses:
                annex = {key: value for key, value in annex.items() if key != "misses"}
            self.stdout.write(f"{name}: {json.dumps(annex, ensure_ascii=False)}")
        self.stdout.write(f"overall: {json.dumps(figures['overall'])}")
