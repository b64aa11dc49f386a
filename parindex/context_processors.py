from agencies.roles import can_import, can_see_dashboard, can_settle_names


def navigation(request):
    """What the top bar offers this user (the views enforce the same rules)."""
    if not hasattr(request, "user"):
        return {}
    return {
        "nav_can_import": can_import(request.user),
        "nav_can_see_dashboard": can_see_dashboard(request.user),
        "nav_can_settle_names": can_settle_names(request.user),
    }
