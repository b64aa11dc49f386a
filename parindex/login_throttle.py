"""Login throttling that fits offices behind one address (django-axes).

A user name is locked after LOGIN_FAILURE_LIMIT failed logins, whatever address tries it. An
address is locked only after LOGIN_IP_FAILURE_LIMIT failures (much higher): a whole Sở shares
one public address through its NAT, and one colleague mistyping a password five times must not
lock everyone else out; an address trying many user names is still stopped.

django-axes 8.3 compares one number, the largest of its counters (one per entry of
AXES_LOCKOUT_PARAMETERS), with one limit (AXES_FAILURE_LIMIT, a number or a callable of the
request). Neither setting alone can say "5 for a name, 50 for an address", so the rule lives in
a handler (AXES_HANDLER, the extension point axes documents) that keeps axes' recording, cool-off
and signals and replaces two things:
- `get_failures`, the number axes compares with AXES_FAILURE_LIMIT, both when a login is tried
  and after it fails: the user name's failures, or the limit itself once the address reached
  its own limit;
- `reset_user_attempts` (AXES_RESET_ON_SUCCESS): a successful login clears that user name's
  failures only. Axes' own would clear every failure from the address, so a colleague logging
  in would unlock the account someone is guessing, and a guesser holding one valid account
  could reset the address's count between guesses.
The lockout page (AXES_LOCKOUT_CALLABLE) says which of the two rules applied, without naming
any account.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render


def login_failures(request, credentials: dict | None = None) -> tuple[int, int]:
    """(failures of the user name being tried, failures from the request's address) within the
    cool-off, as axes records them (one row per name, address and browser)."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    username = get_client_username(request, credentials)
    by_name = 0
    if username:
        by_name = _total(recent.filter(username=username))
    by_address = _total(recent.filter(ip_address=request.axes_ip_address))
    return by_name, by_address


def _total(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def address_is_locked(by_address: int) -> bool:
    return by_address >= settings.LOGIN_IP_FAILURE_LIMIT


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_name, by_address = login_failures(request, credentials)
        if address_is_locked(by_address):
            return max(by_name, settings.AXES_FAILURE_LIMIT)
        return by_name

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """The page a refused login gets (HTTP 429): which rule locked, for how long, what to do."""
    by_name, by_address = login_failures(request, credentials)
    cool_off = get_cool_off(request)
    return render(
        request,
        "registration/lockout.html",
        {
            # The name's own rule first: if both apply, the name is what the user can act on.
            "by_address": by_name < settings.AXES_FAILURE_LIMIT and address_is_locked(by_address),
            "name_limit": settings.AXES_FAILURE_LIMIT,
            "address_limit": settings.LOGIN_IP_FAILURE_LIMIT,
            "cooloff_minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
        },
        status=429,
    )
