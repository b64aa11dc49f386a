from agencies.roles import can_import


def navigation(request):
    """What the top bar offers this user (the views enforce the same rules)."""
    return {"nav_can_import": can_import(request.user)} if hasattr(request, "user") else {}
