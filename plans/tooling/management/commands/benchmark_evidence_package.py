"""Time the evidence package of a province-year on a dataset without links or evidence:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parindex_scale \\
        python manage.py benchmark_evidence_package --index PAR --repeat 3

Without --province and --year, the province-year with the most assignments. Everything it adds
(links, progress updates, evidence rows and files) is rolled back or deleted at the end.
"""

import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from agencies.models import Province
from parindex.core.numbers import format_integer, format_size
from parindex.indices.models import Index
from plans.tooling.evidence_benchmark import evidence_package_benchmark, largest_province_year


def _comma(value: float, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


class Command(BaseCommand):
    help = "Time the evidence package of a province-year, links and files added then rolled back."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="", help="name, slug or id (default: largest)")
        parser.add_argument("--year", type=int, default=None, help="plan year (default: largest)")
        parser.add_argument("--index", default="PAR", choices=Index.Code.values)
        parser.add_argument("--repeat", type=int, default=3, help="builds timed")
        parser.add_argument("--files-each", type=int, default=1, help="files a done assignment")
        parser.add_argument("--file-kb", type=int, default=20, help="size of each file (KB)")
        parser.add_argument("--json", dest="json_path", default=None, help="write results here")

    def handle(self, *args, province, year, index, repeat, files_each, file_kb, json_path, **o):
        if repeat < 1 or files_each < 1 or file_kb < 1:
            raise CommandError("--repeat, --files-each và --file-kb phải ≥ 1.")
        if not province or year is None:
            largest, largest_year = largest_province_year()
            province = province or str(largest)
            year = year if year is not None else largest_year
        found = Province.objects.filter(
            Q(slug=province) | Q(name=province) | Q(pk=int(province) if province.isdigit() else 0)
        )
        if found.count() != 1:
            raise CommandError(f"Không xác định được tỉnh “{province}”.")
        result = evidence_package_benchmark(
            province=found.get(),
            year=year,
            index=Index.objects.get(code=index),
            repeat=repeat,
            files_each=files_each,
            file_bytes=file_kb * 1000,
        )
        write = self.stdout.write
        write(
            f"{result.province}, kế hoạch năm {result.year}, {result.index} ({result.edition}): "
            f"{format_integer(result.tasks)} nhiệm vụ, {format_integer(result.links)} liên kết "
            f"tới {result.criteria_used} tiêu chí, {format_integer(result.evidence_files)} tệp "
            f"({format_size(result.evidence_bytes)}); chuẩn bị {_comma(result.setup_seconds, 1)} s"
        )
        for number, run in enumerate(result.runs, 1):
            write(
                f"  lần {number}: {_comma(run.seconds, 2)} s, RSS cao nhất {run.peak_rss_mb:.0f} MB "
                f"(trước khi tạo {run.rss_before_mb:.0f} MB), {format_integer(run.files)} tệp, "
                f"zip {format_size(run.zip_bytes)}"
            )
        write(
            f"  trung vị: {_comma(result.median_seconds, 2)} s; "
            f"tải máy (1 phút): {_comma(os.getloadavg()[0], 2)}"
        )
        if json_path:
            with open(json_path, "w") as out:
                json.dump(
                    {
                        **{k: v for k, v in vars(result).items() if k != "runs"},
                        "median_seconds": result.median_seconds,
                        "runs": [vars(run) for run in result.runs],
                        "load_average": os.getloadavg(),
                    },
                    out,
                    ensure_ascii=False,
                    indent=2,
                )
