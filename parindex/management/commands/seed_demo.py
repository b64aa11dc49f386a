from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency, Membership, Province
from agencies.services import user_with_membership_upsert

DEMO_PASSWORD = "demo12345"
# username, full name, role, agency name in Bắc Kạn (pre-2025 province, where the seed plans are)
DEMO_USERS = [
    ("admin", "Quản trị hệ thống", Membership.Role.ADMIN, None),
    ("noivu", "Chuyên viên Sở Nội vụ", Membership.Role.REVIEWER, "Sở Nội vụ"),
    ("lanhdao", "Lãnh đạo UBND tỉnh", Membership.Role.LEADER, "Lãnh đạo UBND tỉnh"),
    ("tuphap", "Cán bộ Sở Tư pháp", Membership.Role.STAFF, "Sở Tư pháp"),
    ("taichinh", "Cán bộ Sở Tài chính", Membership.Role.STAFF, "Sở Tài chính"),
]


class Command(BaseCommand):
    help = (
        "Create the demo users (password demo12345) for Bắc Kạn. Refuses to run when DEBUG is off."
    )

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
        for username, full_name, role, agency_name in DEMO_USERS:
            agency = (
                Agency.objects.get(province=province, name=agency_name) if agency_name else None
            )
            user_with_membership_upsert(
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
