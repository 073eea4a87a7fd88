from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import views
from .tenancy.middleware import MERCHANT_MOUNT
from .security import api_docs_view

merchant_patterns = [
    path("staff/", include("recommendations.member_urls")),
    path("", include("recommendations.urls")),
    path("", include("storefront.urls")),
    path("", include("partners.merchant_urls")),
    path("api/", include("commerce.api_urls")),
    path("api/", include("loyalty.api_urls")),
    path("reports/", include("reports.urls")),
    path("", include("loyalty.urls")),
    path("", include("attribution.urls")),
    path("api/v1/", include("omo.api.urls")),
    path("audit/", include("omo.audit.urls")),
    path("webhooks/", include("omo.webhooks.urls")),
    path("imports/", include("imports.urls")),
    path("connections/", include("connectors.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("omo.accounts.urls")),  # signup with a mobile number alone
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", api_docs_view(SpectacularAPIView.as_view()), name="api-schema"),
    # Split views: the page loads its start-up script from a URL (no inline script: the production CSP).
    path("api/docs/", api_docs_view(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/redoc/", api_docs_view(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    # Every merchant's pages live under its own prefix; the middleware scopes queries to it.
    path(f"{MERCHANT_MOUNT}<slug:merchant>/", include(merchant_patterns)),
    path("partners/", include("partners.urls")),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# API paths answer errors in the API's JSON shape, pages with the usual templates.
handler400 = "omo.api.errors.bad_request"
handler403 = "omo.api.errors.permission_denied"
handler404 = "omo.api.errors.not_found"
handler500 = "omo.api.errors.server_error"
