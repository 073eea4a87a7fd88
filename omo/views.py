from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from omo.health import health_report
from omo.tenancy.models import Staff


@require_GET
def home(request):
    """Staff land on their merchant's tablet home; everyone else sees where to go."""
    if request.user.is_authenticated:
        roles = Staff.objects.with_scopes_disabled().filter(user=request.user, resigned_at__isnull=True)
        staff = roles.select_related("merchant").first()
        if staff is not None:
            return redirect("members:search", merchant=staff.merchant.slug)
    return render(request, "home.html")


@require_GET
@transaction.non_atomic_requests  # a database that is down is a 503 here, not a failed transaction
def healthz(request):
    """200 when the database, Redis and a Celery worker (answered within a minute) are up, else 503."""
    healthy, checks = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": connection.vendor, "checks": checks},
        status=200 if healthy else 503,
    )
