"""The admin site: Django's, with pickers that say which row they mean.

The autocomplete pickers show each row's `choice_label()` where the model has one (21 agencies
are called "Sở Y tế": only the province and the dates tell them apart), and users by their
"Họ và tên" and user name.
"""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.base_user import AbstractBaseUser

from parindex.core.names import user_label


def choice_label(obj) -> str:
    if isinstance(obj, AbstractBaseUser):
        return user_label(obj)
    label = getattr(obj, "choice_label", None)
    return label() if callable(label) else str(obj)


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": choice_label(obj)}


class ParindexAdminSite(admin.AdminSite):
    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)
