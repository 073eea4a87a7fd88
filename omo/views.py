from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

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
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
