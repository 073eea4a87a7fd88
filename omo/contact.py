"""Normalising the identifiers staff type in: E.164 phones, lower-case emails."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def normalize_phone(raw: str, region: str) -> str:
    """'0912 345 678' in region TW -> '+886912345678'. Raises ValidationError when not a valid number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": raw}, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number.") % {"value": raw}, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    email = raw.strip().lower()
    validate_email(email)
    return email


def looks_like_email(raw: str) -> bool:
    return "@" in raw


def normalize_identifier(raw: str, region: str) -> tuple[str, str]:
    """Return ('email'|'phone', normalised value) for what staff typed in the search box."""
    raw = raw.strip()
    if looks_like_email(raw):
        return "email", normalize_email(raw)
    return "phone", normalize_phone(raw, region)
