"""Median and 95th percentile time and query count of the task pages against the current
database, logged in as each role, with the Django admin changelist on the same filters as peer.

Requests go through Django's full request handling in this process (middleware, sessions,
templates, database) but not through a network socket; run it against a database made by
`generate_scale_data`. The full HTTP benchmark with gunicorn belongs to the scale issue.
"""

import json
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, Membership
from agencies.services import user_with_membership_upsert
from plans.models import Assignment, Task


class Command(BaseCommand):
    help = "Time the task list and task page for staff, reviewer and admin (in-process requests)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--json", dest="json_path", default=None)

    def handle(self, *args, repeat, json_path, **options):
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        busiest = (
            Assignment.objects.values("agency_id")
            .order_by()
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        agency = Agency.objects.select_related("province").get(pk=busiest["agency_id"])
        reviewer_agency = Agency.objects.get(province=agency.province, name="Sở Nội vụ")
        personas = {
            "staff": (Membership.Role.STAFF, agency),
            "reviewer": (Membership.Role.REVIEWER, reviewer_agency),
            "admin": (Membership.Role.ADMIN, None),
        }
        users = {
            name: user_with_membership_upsert(
                username=f"bench-{name}",
                password="bench-12345",
                full_name=f"Benchmark {name}",
                role=role,
                agency=at,
            )
            for name, (role, at) in personas.items()
        }
        year = timezone.localdate().year
        task = Task.objects.filter(assignments__agency=agency).order_by("-pk").first()
        scenarios = [
            (
                "staff list",
                "staff",
                "/tasks/",
                {"status": "not_started", "due_after": f"01/01/{year}"},
                "/admin/plans/assignment/",
                {"agency__id__exact": agency.pk, "status__exact": "not_started"},
            ),
            (
                "reviewer list",
                "reviewer",
                "/tasks/",
                {
                    "status": "in_progress",
                    "due_after": f"01/01/{year - 1}",
                    "due_before": f"31/12/{year}",
                },
                "/admin/plans/assignment/",
                {
                    "status__exact": "in_progress",
                    "task__plan__province__id__exact": agency.province_id,
                },
            ),
            ("admin list page 1", "admin", "/tasks/", {}, "/admin/plans/assignment/", {}),
            (
                "admin list page 500",
                "admin",
                "/tasks/",
                {"page": 500},
                "/admin/plans/assignment/",
                {"p": 499},
            ),
            ("search", "reviewer", "/tasks/", {"q": "cai cach hanh chinh"}, None, None),
            ("task detail", "staff", f"/tasks/{task.pk}/", {}, None, None),
            (
                "report xlsx, province-year",
                "reviewer",
                f"/reports/province-{agency.province_id}/{year - 1}-Y.xlsx",
                {},
                None,
                None,
            ),
            (
                "report docx, province-year",
                "reviewer",
                f"/reports/province-{agency.province_id}/{year - 1}-Y.docx",
                {},
                None,
                None,
            ),
            (
                "national dashboard",
                "admin",
                "/dashboard/",
                {"province": "", "year": year - 1, "period": "Y"},
                None,
                None,
            ),
            (
                "province dashboard",
                "reviewer",
                "/dashboard/",
                {"province": agency.province_id, "year": year - 1, "period": "Y"},
                None,
                None,
            ),
        ]
        results = []
        for name, role, url, params, peer_url, peer_params in scenarios:
            client = Client()
            client.force_login(users[role])
            ours = _measure(client, url, params, repeat)
            row = {"name": name, **ours}
            if peer_url:
                admin_client = Client()
                users["admin"].is_staff = users["admin"].is_superuser = True
                users["admin"].save()
                admin_client.force_login(users["admin"])
                row["peer_median_ms"] = _measure(admin_client, peer_url, peer_params, repeat)[
                    "median_ms"
                ]
            results.append(row)
        engine = connection.vendor
        self.stdout.write(
            f"{Assignment.objects.count()} phân công, {engine}; {repeat} lần mỗi kịch bản"
        )
        self.stdout.write(
            f"{'scenario':<22}{'median ms':>10}{'p95 ms':>9}{'queries':>9}{'admin ms':>10}"
        )
        for r in results:
            peer = f"{r['peer_median_ms']:>10.0f}" if "peer_median_ms" in r else f"{'—':>10}"
            self.stdout.write(
                f"{r['name']:<22}{r['median_ms']:>10.0f}{r['p95_ms']:>9.0f}{r['queries']:>9}{peer}"
            )
        if json_path:
            Path(json_path).write_text(json.dumps(results, indent=1))


def _measure(client, url, params, repeat) -> dict:
    client.get(url, params)  # warm up caches and connections
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "queries": queries,
    }
