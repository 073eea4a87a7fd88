"""Writes on members: registration on the tablet and linking shopper accounts."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Member
from .normalize import normalize_email, normalize_phone


@transaction.atomic
def member_register(*, merchant, phone: str = "", email: str = "", name: str = "", staff=None) -> Member:
    """Register a member for the merchant. Raises ValidationError with a message per field."""
    errors = {}
    phone_value = email_value = ""
    if phone.strip():
        try:
            phone_value = normalize_phone(phone, merchant.country)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if email.strip():
        try:
            email_value = normalize_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if not errors and not (phone_value or email_value):
        errors["phone"] = [_("Enter a phone number or an email address.")]
    members = Member.objects.for_merchant(merchant)
    if phone_value and members.filter(phone=phone_value).exists():
        errors["phone"] = [_("A member with this phone number already exists.")]
    if email_value and members.filter(email=email_value).exists():
        errors["email"] = [_("A member with this email already exists.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return members.create(
                merchant=merchant,
                phone=phone_value,
                email=email_value,
                name=name.strip(),
                registered_by=staff,
                registered_store=staff.store if staff else None,
            )
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationError(_("This member was just registered by someone else.")) from exc


@transaction.atomic
def member_for_user(*, merchant, user) -> Member:
    """The shopper's member record at this merchant: linked by account, else by email, else new."""
    members = Member.objects.for_merchant(merchant)
    member = members.filter(user=user).first()
    if member is not None:
        return member
    email = user.email.lower()
    try:
        # Its own transaction (a savepoint inside the request's): the claim of an email-matched
        # member is locked, and callers outside a transaction (the link open) work too.
        with transaction.atomic():
            member = members.select_for_update().filter(email=email, user__isnull=True).first()
            if member is None:
                return members.create(merchant=merchant, email=email, name=user.name, user=user)
            member.user = user
            member.save(update_fields=["user"])
            return member
    except IntegrityError:  # a concurrent request of the same shopper created or claimed it first
        return members.get(user=user)


@transaction.atomic
def member_phone_claim(*, merchant, user, phone: str) -> Member:
    """Put the shopper's (E.164) phone on their member record unless another member holds it."""
    member = member_for_user(merchant=merchant, user=user)
    members = Member.objects.for_merchant(merchant)
    if member.phone or members.filter(phone=phone).exclude(pk=member.pk).exists():
        return member
    member.phone = phone
    member.save(update_fields=["phone"])
    return member
