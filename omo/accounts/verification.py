"""What a login has proven it owns: an email address confirmed by allauth, a phone confirmed by code.

A login may take over records that carry an email or phone (a staff-registered member) only by
what it has verified; anyone can type someone else's address into a signup form.
"""

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class EmailNotVerified(PermissionDenied):
    """The login's email is held by a record it may not claim until the email is verified."""

    def __init__(self, message=None):
        super().__init__(message or _("Verify your email address to continue."))


def verified_email(user) -> str:
    """The user's (lower-cased) email when allauth has it verified, else ""."""
    email = (user.email or "").lower()
    if email and EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
        return email
    return ""


def verified_phone(user) -> str:
    """The user's E.164 phone when verified by code, else ""."""
    return user.phone if user.phone and user.phone_verified else ""
