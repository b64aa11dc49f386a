from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from plans.selectors import plan_overview


@login_required
def home(request):
    return render(request, "home.html", {"overview": plan_overview(user=request.user)})
