"""Password validation with Django's own messages in Vietnamese."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django 5.2 reworded this message ("%d" instead of "%(min_length)d") and its Vietnamese
    catalogue still has only the old wording, so the old one is asked for: same meaning, and
    Django's translation ("Mật khẩu quá ngắn...") instead of English."""

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
