"""The annex import for operators and scripts.

Exit codes: 0 imported (or previewed), 1 refused (the file, the province, the plan), 2 a wrong
command line. With --json, stdout holds one JSON document and nothing else, whatever happens:
the report, or {"dry_run": …, "errors": ["<Vietnamese message>", …]}; logs and library
warnings go to stderr.
"""

import datetime
import json
import logging
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.selectors import ProvinceNotFound, province_by_name
from plans.importing.pipeline import ImportReport, annex_import
from plans.importing.preview import columns_text, place, tasks_counted
from plans.models import Plan
from plans.periods import YEARS

logger = logging.getLogger(__name__)

REFUSED = 1
USAGE = 2


class UsageError(CommandError):
    """A command line argparse could not read; a CommandError for call_command's callers."""

    def __init__(self, message: str):
        super().__init__(message, returncode=USAGE)


def _usage_error(message: str):
    raise UsageError(message)


def _arguments(options: dict) -> tuple[dict, list[str]]:
    """The command line's values as the import takes them, and what is wrong with them.

    Checked here rather than by argparse (`type=`, `required=`) so that every mistake is
    answered the same way: in Vietnamese, as JSON with --json, with exit code 2.
    """
    errors = []
    values = {"path": None, "plan_date": None, "year": None}
    if options["path"]:
        values["path"] = Path(options["path"])
    else:
        errors.append("Thiếu tệp phụ lục cần nhập (đường dẫn tới tệp .docx, .xlsx hoặc .xls).")
    if not (options["province"] or "").strip():
        errors.append("Thiếu --province: ghi tên, mã hoặc slug của tỉnh.")
    if options["plan_date"]:
        try:
            values["plan_date"] = datetime.date.fromisoformat(options["plan_date"])
        except ValueError:
            errors.append(
                f"Ngày ban hành “{options['plan_date']}” không hợp lệ: dùng dạng YYYY-MM-DD."
            )
    if options["year"]:
        try:
            values["year"] = int(options["year"])
        except ValueError:
            values["year"] = None
        if values["year"] not in YEARS:
            values["year"] = None
            errors.append(
                f"Năm “{options['year']}” không hợp lệ: ghi năm từ {YEARS[0]} đến {YEARS[-1]}."
            )
    title_limit = Plan._meta.get_field("title").max_length
    if len(options["plan_title"]) > title_limit:
        errors.append(f"Trích yếu dài hơn {title_limit} ký tự.")
    return values, errors


class Command(BaseCommand):
    help = (
        "Import a plan's annex tables (.docx, .xlsx, .xls) into a plan; --dry-run previews "
        "without writing."
    )
    # The system checks import every URL, view and admin module and check them: 0,3–0,5 s of
    # CPU and 17 MB before an import that needs none of it (`manage.py check` and the
    # deployment's migrate run them).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="the Word plan or workbook to import")
        parser.add_argument("--province", help="province name, code or slug (required)")
        parser.add_argument(
            "--plan-number",
            default="",
            help="e.g. 22/KH-UBND (else read from the title rows or the Word plan's heading)",
        )
        parser.add_argument("--plan-title", default="")
        parser.add_argument("--plan-date", help="YYYY-MM-DD")
        parser.add_argument("--year", help="the plan's year")
        parser.add_argument(
            "--sheet",
            action="append",
            dest="sheets",
            help="only this sheet, or this annex of a Word plan ('Phụ lục II'); repeatable",
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

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # argparse's own errors (an unknown option, an option without its value) would print
        # English usage, or raise CommandError under call_command: run_from_argv answers them.
        parser.error = _usage_error
        return parser

    def run_from_argv(self, argv):
        try:
            super().run_from_argv(argv)
        except UsageError as error:
            self._finish(
                None,
                [f"Dòng lệnh không đúng ({error}). Xem: manage.py import_annex --help"],
                as_json="--json" in argv,
                dry_run="--dry-run" in argv,
                exit_code=USAGE,
            )

    def handle(self, *args, **options):
        as_json, dry_run = options["json"], options["dry_run"]
        values, errors = _arguments(options)
        if errors:
            self._finish(None, errors, as_json=as_json, dry_run=dry_run, exit_code=USAGE)
        report, errors = self._import(values, options)
        self._finish(report, errors, as_json=as_json, dry_run=dry_run, exit_code=REFUSED)

    def _import(self, values: dict, options: dict) -> tuple[ImportReport | None, list[str]]:
        path = values["path"]
        try:
            data = path.read_bytes()
        except OSError as error:
            return None, [f"Không đọc được tệp “{path}”: {error.strerror}."]
        year = values["year"] or (values["plan_date"].year if values["plan_date"] else None)
        try:
            province = province_by_name(options["province"], year=year)
        except ProvinceNotFound as error:
            return None, [str(error)]
        try:
            report = annex_import(
                data=data,
                file_name=path.name,
                province=province,
                plan_number=options["plan_number"],
                plan_title=options["plan_title"],
                plan_date=values["plan_date"],
                year=values["year"],
                sheet_names=options["sheets"],
                dry_run=options["dry_run"],
                acknowledge=options["acknowledge"],
                accept_suggestions=options["accept_suggestions"],
            )
        except Exception:
            # A bug, not the file: the traceback goes to the log (stderr) and the caller still
            # gets its one document.
            logger.exception("import_annex failed on %r", str(path))
            return None, [
                f"Không nhập được tệp “{path.name}” do lỗi của chương trình (chi tiết trong nhật ký)."
            ]
        return report, report.errors

    def _finish(self, report, errors, *, as_json: bool, dry_run: bool, exit_code: int) -> None:
        """Print the report or the errors; exit with `exit_code` if there are errors."""
        if as_json:
            document = report.as_json() if report else {"dry_run": dry_run, "errors": errors}
            self._write_json(document)
        else:
            if report and report.ok:
                self._print_summary(report)
            for error in errors:
                self.stderr.write(f"Lỗi: {error}")
        if errors:
            sys.exit(exit_code)

    def _write_json(self, document: dict) -> None:
        """One compact JSON document, written a list item at a time. With `indent` the json
        module falls back to its pure-Python encoder: 1,4–2,1 s for the report of a
        10,000-task import, against 0,4 s compact (load 10). Writing it whole held the text
        three times over (the document, the copy `write` adds the newline to, its UTF-8
        bytes): 110 MB, a third of the command's peak memory."""
        out = self.stdout
        out.write("{", ending="")
        for index, (key, value) in enumerate(document.items()):
            out.write(("," if index else "") + json.dumps(key) + ":", ending="")
            if isinstance(value, list):
                out.write("[", ending="")
                for position, item in enumerate(value):
                    text = json.dumps(item, ensure_ascii=False)
                    out.write("," + text if position else text, ending="")
                out.write("]", ending="")
            else:
                out.write(json.dumps(value, ensure_ascii=False), ending="")
        out.write("}")

    def _print_summary(self, report):
        plan = report.plan
        verb = "Sẽ nhập (chạy thử, chưa ghi)" if report.dry_run else "Đã nhập"
        self.stdout.write(f"{verb} kế hoạch {plan['number']} ({plan['year']}, {plan['province']}).")
        for sheet in report.sheets:
            self.stdout.write(
                f"  {sheet['name']}: tiêu đề ở dòng {sheet['header_row']} "
                f"({columns_text(sheet['columns'])}); "
                f"{sheet['sections']} mục, {sheet['tasks']} nhiệm vụ"
            )
        self.stdout.write(f"  {tasks_counted(report.tasks)}")
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
            where = warning.get("where") or place(warning["sheet"], warning["cell"])
            self.stdout.write(f"  Cảnh báo, {where}: {warning['message']}")
