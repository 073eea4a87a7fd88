"""Structured logs (structlog): one pipeline for our own loggers and the standard library's.

Every line carries what is bound to the current context: the request id, merchant and user
(`omo.requestid.RequestIdMiddleware`), the task id and name in a Celery task (`omo.tasksignals`),
whose request id is the one of the request that queued it. `LOG_FORMAT=json` prints one JSON
object per line (production's default); `console` (the default elsewhere, e.g. `make demo`)
prints readable lines.

No secrets and no request bodies: callers log ids and outcomes, and `redact` blanks any value
whose key names a secret should one slip in.
"""

import structlog

REDACTED = "[redacted]"
SECRET_WORDS = ("password", "secret", "token", "authorization", "api_key", "apikey", "signature", "cookie", "dsn")


def redact(_logger, _method, event_dict: dict) -> dict:
    """Blank the values of keys that name a secret (`password`, `order_api_secret`, `x_api_key`...)."""
    for key in event_dict:
        lowered = key.lower()
        if any(word in lowered for word in SECRET_WORDS):
            event_dict[key] = REDACTED
    return event_dict


# Added to every record, structlog's and the standard library's alike.
SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    redact,
]


def renderer(fmt: str):
    if fmt == "json":
        return structlog.processors.JSONRenderer()
    # Plain tracebacks: rich's (when installed) print every frame's local variables, secrets included.
    return structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)


def formatter(fmt: str) -> structlog.stdlib.ProcessorFormatter:
    """The formatter of the log handlers (also handy in tests to read lines as production writes them)."""
    final = [structlog.processors.format_exc_info] if fmt == "json" else []
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED_PROCESSORS,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final, renderer(fmt)],
    )


def logging_config(*, fmt: str, level: str) -> dict:
    """The `LOGGING` setting: the root logger writes to stderr through structlog's formatter."""
    if fmt not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be json or console, not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": formatter, "fmt": fmt}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        # A line per task that succeeded is noise (thousands while `make demo` seeds in-process).
        "loggers": {
            "axes": {"level": "WARNING"},
            "celery.app.trace": {"level": "WARNING"},
            # runserver's own access line; the request line of omo.requestid says more.
            "django.server": {"level": "WARNING"},
        },
    }


def configure() -> None:
    """structlog's loggers hand their events to the standard library's handlers above."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str):
    return structlog.stdlib.get_logger(name)

