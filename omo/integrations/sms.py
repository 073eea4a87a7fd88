"""Sending text messages: a thin client with no ORM.

`settings.SMS_BACKEND` names the backend class. The default `ConsoleBackend` only logs, so
nothing leaves the system without credentials; `TwilioBackend` sends through Twilio with the
TWILIO_* settings. Callers keep their own records (the outbox lives with the caller).
"""

import logging
import re
import secrets

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from omo import metrics

logger = logging.getLogger("omo.sms")


class SmsError(Exception):
    """The provider refused or failed to take the message."""


class BaseBackend:
    def send(self, *, to: str, body: str) -> str:
        """Send `body` to the E.164 number `to`; return the provider's message id."""
        raise NotImplementedError


URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
PHONE = re.compile(r"\+\d[\d \-]{6,}\d|\b\d{8,}\b")  # +E.164 (maybe spaced), or 8+ digits in a row


def log_safe_phone(number: str) -> str:
    """A phone number as logs show it: only the last three digits."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return f"***{digits[-3:]}" if digits else ""


def log_safe_text(body: str) -> str:
    """A message body or error as logs show it: links (they carry tokens that open a member's list)
    removed, phone numbers masked."""
    return PHONE.sub(lambda match: log_safe_phone(match.group()), URL.sub("[link]", body or ""))


class ConsoleBackend(BaseBackend):
    """Logs the message instead of sending it (the default: no credentials, nothing leaves).
    The log masks the number and drops links: logs are read by more people than the member."""

    def send(self, *, to: str, body: str) -> str:
        message_id = f"console-{secrets.token_hex(6)}"
        logger.info("SMS to %s (%s):\n%s", log_safe_phone(to), message_id, log_safe_text(body))
        return message_id


class TwilioBackend(BaseBackend):
    def __init__(self, client=None):
        sid, token, sender = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER
        if client is None and not (sid and token and sender):
            raise ImproperlyConfigured("TwilioBackend needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER.")
        if client is None:
            from twilio.rest import Client

            client = Client(sid, token)
        self.client = client
        self.sender = sender

    def send(self, *, to: str, body: str) -> str:
        from twilio.base.exceptions import TwilioException

        try:
            message = self.client.messages.create(to=to, from_=self.sender, body=body)
        except TwilioException as exc:
            raise SmsError(str(exc)) from exc
        return message.sid


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, body: str) -> str:
    return send_with(get_backend(), to=to, body=body)


def send_with(backend: BaseBackend, *, to: str, body: str) -> str:
    """Send through a backend the caller keeps for a batch; counted in omo_sms_sent_total."""
    name = type(backend).__name__
    try:
        message_id = backend.send(to=to, body=body)
    except Exception:
        metrics.sms_sent(backend=name, outcome="error")
        raise
    metrics.sms_sent(backend=name, outcome="sent")
    return message_id
