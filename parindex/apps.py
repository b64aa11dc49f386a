"""App configs that give Django's admin and the third-party apps the names the admin shows.

django-axes and django-tasks-db name their apps in English without gettext ("Axes", "Tasks
Database Backend"), so a translation cannot reach them; their configs are subclassed here with
Vietnamese names and listed in INSTALLED_APPS in their place (same labels, same `ready`).
"""

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class ParindexAdminConfig(AdminConfig):
    default_site = "parindex.admin_site.ParindexAdminSite"


class AxesConfig(AxesAppConfig):
    verbose_name = _("Đăng nhập sai và khóa tài khoản")

    def ready(self):
        super().ready()
        # axes names its rows in English without gettext ("Attempted Access: 2026-…"), and
        # the admin shows those names in its lists, titles and delete pages.
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = _attempt_name
        AccessFailureLog.__str__ = _attempt_name
        AccessLog.__str__ = _attempt_name


def _attempt_name(row) -> str:
    when = localtime(row.attempt_time).strftime("%d/%m/%Y %H:%M") if row.attempt_time else ""
    return f"{row.username or '?'} – {row.ip_address or '?'} – {when}"


class TasksDbConfig(TasksAppConfig):
    verbose_name = _("Tác vụ chạy nền")
