import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.models import Agency, Membership, Province
from agencies.services import user_with_membership_upsert
from parindex.indices.models import Index
from plans.importing.pipeline import annex_import
from plans.models import Assignment, Task
from plans.services import assignment_record_progress

DEMO_PASSWORD = "demo12345"
# username, full name, role, agency name in Bắc Kạn (pre-2025 province, where the seed plans are)
DEMO_USERS = [
    ("admin", "Quản trị hệ thống", Membership.Role.ADMIN, None),
    ("noivu", "Chuyên viên Sở Nội vụ", Membership.Role.REVIEWER, "Sở Nội vụ"),
    ("lanhdao", "Lãnh đạo UBND tỉnh", Membership.Role.LEADER, "Lãnh đạo UBND tỉnh"),
    ("tuphap", "Cán bộ Sở Tư pháp", Membership.Role.STAFF, "Sở Tư pháp"),
    ("taichinh", "Cán bộ Sở Tài chính", Membership.Role.STAFF, "Sở Tài chính"),
]
ANNEXES = Path(settings.BASE_DIR) / "fixtures" / "annexes"
# The two seed plans (shared/seeds 000 and 002). The 2022 plan was issued with its number left
# blank ("Số: /KH-UBND"), and that is how it is recorded.
DEMO_PLANS = [
    {
        "file": "bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx",
        "plan_number": "/KH-UBND",
        "year": 2022,
        "plan_title": "Khắc phục những tồn tại, hạn chế Chỉ số cải cách hành chính và Chỉ số hài "
        "lòng về sự phục vụ hành chính năm 2021, nâng cao Chỉ số năm 2022 và những năm tiếp theo",
        "base_year": 2021,
        "target_year": 2022,
        "indices": ["PAR", "SIPAS"],
    },
    {
        "file": "bac-kan-2018-ke-hoach-22-papi.xlsx",
        "plan_number": "22/KH-UBND",
        "year": 2018,
        "plan_title": "Nâng cao Chỉ số hiệu quả quản trị và hành chính công của tỉnh Bắc Kạn năm 2018",
        "base_year": 2016,
        "target_year": 2018,
        "indices": ["PAPI"],
    },
]


class Command(BaseCommand):
    help = "Create the demo users (password demo12345) and Bắc Kạn demo plans. Refuses when DEBUG is off."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo chỉ chạy khi DEBUG=1: tài khoản demo có mật khẩu công khai, "
                "không được tạo trên máy chủ thật."
            )
        try:
            province = Province.objects.get(slug="06-bac-kan")
        except Province.DoesNotExist:
            raise CommandError(
                "Chưa có dữ liệu tham chiếu: chạy `python manage.py load_reference` trước."
            ) from None
        users = {}
        for username, full_name, role, agency_name in DEMO_USERS:
            agency = (
                Agency.objects.get(province=province, name=agency_name) if agency_name else None
            )
            users[username] = user_with_membership_upsert(
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                role=role,
                agency=agency,
            )
            where = f"{agency}, {province}" if agency else "toàn hệ thống"
            self.stdout.write(
                f"  {username:<9} / {DEMO_PASSWORD}  – {Membership.Role(role).label} ({where})"
            )
        for spec in DEMO_PLANS:
            self._import_plan(province, spec)
        self._record_progress(province, users)

    def _import_plan(self, province, spec) -> None:
        report = annex_import(
            data=(ANNEXES / spec["file"]).read_bytes(),
            file_name=spec["file"],
            province=province,
            plan_number=spec["plan_number"],
            plan_title=spec["plan_title"],
            year=spec["year"],
        )
        if not report.ok:
            raise CommandError(f"Không nhập được {spec['file']}: {' '.join(report.errors)}")
        plan = province.plans.get(pk=report.plan_id)
        plan.base_year, plan.target_year = spec["base_year"], spec["target_year"]
        plan.save(update_fields=["base_year", "target_year"])
        plan.indices.set(Index.objects.filter(code__in=spec["indices"]))
        tasks = report.tasks
        self.stdout.write(
            f"  Kế hoạch {plan.number} ({plan.year}): {tasks['created']} nhiệm vụ mới, "
            f"{tasks['unchanged']} không đổi."
        )

    def _record_progress(self, province, users) -> None:
        """Some progress so the demo is not empty; only where nothing was recorded yet."""
        today = timezone.localdate()
        demo = [
            (
                "tuphap",
                "Sở Tư pháp",
                2022,
                0,
                Assignment.Status.DONE,
                "Đã ban hành kế hoạch theo dõi thi hành pháp luật năm 2022.",
                datetime.date(2022, 11, 30),
            ),
            (
                "tuphap",
                "Sở Tư pháp",
                2022,
                1,
                Assignment.Status.IN_PROGRESS,
                "Đã thẩm định 12 dự thảo VBQPPL.",
                None,
            ),
            (
                "taichinh",
                "Sở Tài chính",
                2022,
                0,
                Assignment.Status.DONE,
                "Đã kiểm tra 8 đơn vị về quản lý tài sản công.",
                datetime.date(2023, 1, 15),
            ),
            (
                "taichinh",
                "Sở Tài chính",
                2022,
                2,
                Assignment.Status.IN_PROGRESS,
                "Đang tổng hợp kiến nghị sau thanh tra.",
                None,
            ),
            (
                "tuphap",
                "Sở Tư pháp",
                2018,
                0,
                Assignment.Status.DONE,
                "Đã tổ chức 15 hội nghị tuyên truyền Pháp lệnh dân chủ cơ sở.",
                datetime.date(2018, 6, 20),
            ),
        ]
        for username, agency_name, year, index, status, note, completed_on in demo:
            assignments = Assignment.objects.filter(
                agency__province=province,
                agency__name=agency_name,
                task__plan__year=year,
                role=Assignment.Role.LEAD,
            ).order_by("task__position")
            assignment = assignments[index] if assignments.count() > index else None
            if assignment is None or assignment.updates.exists():
                continue
            assignment_record_progress(
                assignment=assignment,
                author=users[username],
                status=status,
                note=note,
                completed_on=completed_on,
                period=f"{(completed_on or today).year}-Y",
            )
        self.stdout.write(
            f"  Tiến độ demo: {Task.objects.filter(plan__province=province).count()} nhiệm vụ trong các kế hoạch của {province}."
        )
