"""The real site plus one bare view. The bare view goes through the same middleware (sessions,
auth, tenancy, axes) and does nothing else, so `link open / bare` is the cost of recording the
click and rendering the shopper's page."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("omo.urls")),
]
