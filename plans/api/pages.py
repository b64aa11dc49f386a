"""The page where a user makes and revokes their API tokens (/accounts/api-tokens/)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from plans.api.models import ApiToken
from plans.api.services import api_token_create, api_token_revoke


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Tên mã",
        max_length=100,
        help_text="Hệ thống sẽ dùng mã này, ví dụ: Hệ thống quản lý văn bản điều hành.",
        error_messages={"required": "Hãy đặt tên cho mã."},
    )


# The new token waits in the session between the POST and the page it redirects to, and is
# taken out by that page: a reload neither shows it again nor makes a second token.
SHOWN_ONCE = "api_token_shown_once"


@login_required
def api_token_list(request):
    """GET: the user's tokens, and a token just made, shown this once. POST: make a token, then
    redirect here (a reload of the result must not make another one)."""
    form = ApiTokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, raw = api_token_create(user=request.user, name=form.cleaned_data["name"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                request.session[SHOWN_ONCE] = {"pk": token.pk, "raw": raw}
                return redirect("api_tokens")
        status = 400
    tokens = ApiToken.objects.filter(user=request.user)
    created = None
    shown = request.session.pop(SHOWN_ONCE, None) if request.method == "GET" else None
    if shown:
        token = next((t for t in tokens if t.pk == shown["pk"]), None)
        created = {"token": token, "raw": shown["raw"]} if token else None
    response = render(
        request,
        "api/token_list.html",
        {"form": form, "tokens": tokens, "created": created},
        status=status,
    )
    # The token is on this page only: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def api_token_revoke_view(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if api_token_revoke(token=token):
        messages.success(request, f"Đã thu hồi mã “{token.name}”.")
    else:
        messages.info(request, f"Mã “{token.name}” đã được thu hồi trước đó.")
    return redirect("api_tokens")
