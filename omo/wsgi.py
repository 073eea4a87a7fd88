import os

from django.core.wsgi import get_wsgi_application

from omo import telemetry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omo.settings")
# OpenTelemetry, when its variables are set (OTEL_EXPORTER_OTLP_ENDPOINT...): its middleware must be
# in place before the handler loads the middleware.
telemetry.tracing_init(django=True)
application = get_wsgi_application()
