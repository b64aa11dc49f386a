import datetime
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.selectors import ProvinceNotFound, province_by_name
from plans.importing.pipeline import annex_import


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ngày “{value}” không hợp lệ: dùng dạng YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Import an annex workbook (.xlsx/.xls) into a plan; --dry-run previews without writing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the workbook to import")
        parser.add_argument("--province", required=True, help="province name, code or slug")
        parser.add_argument(
            "--plan-number", default="", help="e.g. 22/KH-UBND (else read from the title rows)"
        )
        parser.add_argument("--plan-title", default="")
        parser.add_argument("--plan-date", type=_date, default=None, help="YYYY-MM-DD")
        parser.add_argument("--year", type=int, default=None, help="the plan's year")
        parser.add_argument(
            "--sheet", action="append", dest="sheets", help="only this sheet (repeatable)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change, write nothing"
        )
        parser.add_argument(
            "--json", action="store_true", help="print one JSON document and nothing else"
        )
        parser.add_argument(
            "--acknowledge",
            action="store_true",
            help="import even where recorded work is at risk (a task with progress withdrawn, "
            "re-texted, or an agency with progress no longer named); see --dry-run first",
        )
        parser.add_argument(
            "--accept-suggestions",
            action="store_true",
            help="take every uncertain match as the same task (by default such a row is new)",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        errors = []
        report = None
        try:
            data = path.read_bytes()
        except OSError as error:
            errors.append(f"Không đọc được tệp “{path}”: {error.strerror}.")
        else:
            year = options["year"] or (options["plan_date"].year if options["plan_date"] else None)
            try:
                province = province_by_name(options["province"], year=year)
            except ProvinceNotFound as error:
                errors.append(str(error))
            else:
                report = annex_import(
                    data=data,
                    file_name=path.name,
                    province=province,
                    plan_number=options["plan_number"],
                    plan_title=options["plan_title"],
                    plan_date=options["plan_date"],
                    year=options["year"],
                    sheet_names=options["sheets"],
                    dry_run=options["dry_run"],
                    acknowledge=options["acknowledge"],
                    accept_suggestions=options["accept_suggestions"],
                )
                errors = report.errors

        if options["json"]:
            document = (
                report.as_json() if report else {"dry_run": options["dry_run"], "errors": errors}
            )
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=1))
        elif report and report.ok:
            self._print_summary(report)
        for error in errors if not options["json"] else []:
            self.stderr.write(f"Lỗi: {error}")
        if errors:
            sys.exit(1)

    def _print_summary(self, report):
        plan = report.plan
        verb = "Sẽ nhập (chạy thử, chưa ghi)" if report.dry_run else "Đã nhập"
        self.stdout.write(f"{verb} kế hoạch {plan['number']} ({plan['year']}, {plan['province']}).")
        for sheet in report.sheets:
            columns = ", ".join(f"{role}={letter}" for role, letter in sheet["columns"].items())
            self.stdout.write(
                f"  {sheet['name']}: tiêu đề ở dòng {sheet['header_row']} ({columns}); "
                f"{sheet['sections']} mục, {sheet['tasks']} nhiệm vụ"
            )
        t = report.tasks
        self.stdout.write(
            f"  Nhiệm vụ: {t['created']} mới, {t['updated']} sửa nội dung, {t['moved']} chuyển mục, "
            f"{t['restored']} khôi phục, {t['unchanged']} không đổi, "
            f"{t['withdrawn']} rút khỏi kế hoạch"
        )
        for row in report.rows:
            if row["suggestion"]:
                s = row["suggestion"]
                self.stdout.write(
                    f"  Chưa chắc chắn {row['sheet']} dòng {row['row']}: có thể là nhiệm vụ "
                    f"{s['number']} ({s['section']}, giống {s['similarity']}%); đang đọc là "
                    "nhiệm vụ mới (--accept-suggestions để coi là cùng nhiệm vụ)"
                )
        for risk in report.at_risk:
            self.stdout.write(f"  Cần xác nhận: {risk['message']}")
        a = report.agencies
        self.stdout.write(
            f"  Cơ quan: {a['matched']} khớp tên, {a['aliased']} khớp tên gọi khác, "
            f"{a['expanded']} từ tên chung; {len(a['unverified'])} cơ quan mới chưa xác minh"
        )
        for name in a["unverified"]:
            self.stdout.write(f"    - {name}")
        d = report.deadlines
        self.stdout.write(
            f"  Thời hạn: {d['dated']} có ngày, {d['ongoing']} thường xuyên, {d['recurring']} định kỳ, "
            f"{d['event']} theo sự kiện, {len(d['unparsed'])} chưa hiểu được"
        )
        for warning in report.warnings:
            where = "!".join(part for part in (warning["sheet"], warning["cell"]) if part)
            self.stdout.write(f"  Cảnh báo {where}: {warning['message']}")
