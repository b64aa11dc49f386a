"""Which of the installed apps' static files `collectstatic` copies."""

from django.contrib.staticfiles.finders import AppDirectoriesFinder

# Shipped by apps we install, never served: Django REST framework's browsable API (the API
# answers JSON only) and drf-spectacular-sidecar's Redoc (the documentation page is Swagger
# UI). Left out, they cost collectstatic's compression no time (5 MB of JavaScript and maps).
UNUSED = ["rest_framework", "redoc"]


class UsedAppDirectoriesFinder(AppDirectoriesFinder):
    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), *UNUSED])
