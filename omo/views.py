import hmac
import ipaddress
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from omo import metrics as omo_metrics
from omo.health import health_report
from omo.net import client_ip
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



def _scraper_allowed(request) -> tuple[bool, int]:
    """(allowed, status when not): the bearer token, or an address in the allowed networks."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
        return True, 200
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        address = None
    for network in settings.METRICS_ALLOWED_NETWORKS:
        if address is not None and address in ipaddress.ip_network(network, strict=False):
            return True, 200
    return False, (401 if token and not given else 403)


@never_cache
@require_GET
@transaction.non_atomic_requests  # no database work: no transaction (and no connection) per scrape
def metrics(request):
    """Prometheus scrape endpoint (omo.metrics): for scrapers only, never public."""
    allowed, status = _scraper_allowed(request)
    if not allowed:
        response = HttpResponse(status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(omo_metrics.exposition(_queue_lengths()), content_type=CONTENT_TYPE_LATEST)


@cache
def _queue_lengths() -> omo_metrics.QueueLengthCollector:
    """One collector (and Redis connection pool) per process."""
    return omo_metrics.QueueLengthCollector(settings.CELERY_BROKER_URL, settings.METRICS_QUEUES)
