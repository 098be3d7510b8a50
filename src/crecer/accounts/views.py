import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from crecer.registry.models import RoleKind
from crecer.registry.queries import households_for, persons_for


@login_required
def home(request):
    persons = persons_for(request.user)
    six_years_ago = timezone.localdate() - dt.timedelta(days=int(6 * 365.25))
    return render(request, "home.html", {
        "territories": request.user.territories.all(),
        "households": households_for(request.user).count(),
        "persons": persons.count(),
        "children": persons.filter(birth_date__gt=six_years_ago).count(),
        "pregnant": persons.filter(roles__role=RoleKind.PREGNANT, roles__active=True).count(),
    })
