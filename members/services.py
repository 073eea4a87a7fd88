"""Writes on members: registration on the tablet and linking shopper accounts."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omo.accounts.verification import EmailNotVerified, verified_email, verified_phone
from omo.api.publicid import public_id, public_id_of
from omo.tenancy.models import Staff, Store
from omo.webhooks.models import EventType
from omo.webhooks.services import webhook_event_emit

from .models import Member
from omo.contact import normalize_email, normalize_phone


@transaction.atomic
def member_register(
    *, merchant, phone: str = "", email: str = "", name: str = "", staff=None, language: str = ""
) -> Member:
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
        errors["phone"] = [ValidationError(_("A member with this phone number already exists."), code="unique")]
    if email_value and members.filter(email=email_value).exists():
        errors["email"] = [ValidationError(_("A member with this email already exists."), code="unique")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            member = members.create(
                merchant=merchant,
                phone=phone_value,
                email=email_value,
                name=name.strip(),
                language=language if language in dict(settings.LANGUAGES) else "",
                registered_by=staff,
                registered_store=staff.store if staff else None,
            )
            member_created_emit(member)
            return member
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationError(_("This member was just registered by someone else."), code="unique") from exc


@transaction.atomic
def member_for_user(*, merchant, user) -> Member:
    """The shopper's member record at this merchant: linked by account, else claimed by a VERIFIED
    email or phone, else new.

    An unverified address never claims a record (anyone can sign up with someone else's email):
    the login gets its own new member, or EmailNotVerified when its email belongs to a member it
    may not claim yet (a member needs a phone or an email, and that email is taken).
    """
    members = Member.objects.for_merchant(merchant)
    member = members.filter(user=user).first()
    if member is not None:
        return member
    email = verified_email(user)
    phone = verified_phone(user)
    try:
        # Its own transaction (a savepoint inside the request's): the claim of a matching member
        # is locked, and callers outside a transaction (the link open) work too.
        with transaction.atomic():
            claimable = members.select_for_update().filter(user__isnull=True)
            member = (claimable.filter(email=email).first() if email else None) or (
                claimable.filter(phone=phone).first() if phone else None
            )
            if member is not None:
                member.user = user
                fields = ["user"]
                if not member.phone and user.phone and not members.filter(phone=user.phone).exists():
                    member.phone = user.phone  # the number given at signup, so staff find them by it
                    fields.append("phone")
                member.save(update_fields=fields)
                return member
            own_email = (user.email or "").lower()
            holder = members.filter(email=own_email).first() if own_email and not email else None
            if holder is not None:
                if holder.user_id == user.pk:  # created a moment ago by a concurrent first request
                    return holder
                raise EmailNotVerified()
            own_phone = phone if phone and not members.filter(phone=phone).exists() else ""
            member = members.create(merchant=merchant, email=own_email, phone=own_phone, name=user.name, user=user)
            member_created_emit(member)
            return member
    except IntegrityError:  # a concurrent request of the same shopper created or claimed it first
        return members.get(user=user)


@transaction.atomic
def member_phone_claim(*, merchant, user, phone: str) -> Member | None:
    """Put the shopper's (E.164) phone on their member record unless another member holds it.

    None while the login's email belongs to a member it may claim only once verified: the phone
    waits on the login and goes onto that member when it is claimed (member_for_user).
    """
    try:
        member = member_for_user(merchant=merchant, user=user)
    except EmailNotVerified:
        return None
    members = Member.objects.for_merchant(merchant)
    if member.phone or members.filter(phone=phone).exclude(pk=member.pk).exists():
        return member
    member.phone = phone
    member.save(update_fields=["phone"])
    return member


def member_points_notices_set(*, merchant, member: Member, consent: bool) -> Member:
    """The member agrees to (or stops) notices about their points, e.g. before points expire."""
    if member.merchant_id != merchant.pk:
        raise ValidationError(_("This member belongs to another merchant."))
    Member.objects.for_merchant(merchant).filter(pk=member.pk).update(points_notices=consent, updated_at=timezone.now())
    member.points_notices = consent
    return member


def member_created_emit(member: Member) -> None:
    """Outbound webhook member.created, once per member (every path that creates one calls it)."""
    webhook_event_emit(
        merchant=member.merchant_id, type=EventType.MEMBER_CREATED, idempotency_key=f"member.created:{member.pk}",
        data={"member": {"id": public_id(member), "name": member.name, "email": member.email, "phone": member.phone,
                         "registered_store": public_id_of(Store, member.registered_store_id),
                         "registered_by": public_id_of(Staff, member.registered_by_id),
                         "created_at": member.created_at}},
    )


def member_import_update(*, merchant, member: Member, name: str = "", phone: str = "", email: str = "",
                         birthday=None) -> Member:
    """An imported row for a member who is already here: the name and birthday given replace
    theirs; a phone or email fills an empty one. Through `member_update`, so its normalising and
    uniqueness checks apply; a row that changes nothing saves nothing."""
    changes = {
        "phone": phone if phone.strip() and not member.phone else None,
        "email": email if email.strip() and not member.email else None,
        "name": name.strip() if name.strip() and name.strip() != member.name else None,
        "birthday": birthday if birthday and birthday != member.birthday else None,
    }
    if all(value is None for value in changes.values()):
        return member
    return member_update(merchant=merchant, member=member, **changes)


@transaction.atomic
def member_update(*, merchant, member: Member, name=None, phone=None, email=None, birthday=None,
                  clear_birthday: bool = False) -> Member:
    """Change a member's contact details (values left None stay). The same checks as registration:
    a phone or email another member of the merchant has is refused (code "unique")."""
    members = Member.objects.for_merchant(merchant).select_for_update()
    member = members.get(pk=member.pk)
    errors = {}
    if phone is not None:
        try:
            phone = normalize_phone(phone, merchant.country) if phone.strip() else ""
        except ValidationError as exc:
            errors["phone"] = exc.error_list
        else:
            if phone and members.filter(phone=phone).exclude(pk=member.pk).exists():
                errors["phone"] = [ValidationError(_("A member with this phone number already exists."), code="unique")]
    if email is not None:
        try:
            email = normalize_email(email) if email.strip() else ""
        except ValidationError:
            errors["email"] = [ValidationError(_("Enter a valid email address."), code="invalid")]
        else:
            if email and members.filter(email=email).exclude(pk=member.pk).exists():
                errors["email"] = [ValidationError(_("A member with this email already exists."), code="unique")]
    new_phone = member.phone if phone is None else phone
    new_email = member.email if email is None else email
    if not errors and not (new_phone or new_email):
        errors["phone"] = [ValidationError(_("Enter a phone number or an email address."), code="required")]
    if errors:
        raise ValidationError(errors)
    member.phone, member.email = new_phone, new_email
    if name is not None:
        member.name = name.strip()
    if birthday is not None or clear_birthday:
        member.birthday = birthday
    member.save()
    return member


@transaction.atomic
def member_erase(*, merchant, member: Member) -> Member:
    """Erase the person from a member record (a data subject's request): name, phone, email,
    birthday and the link to a shopper login go. The row itself stays, anonymous, so that what the
    ledger and the law need stays true: orders (tax records) still point at it, points ledger entries
    and attribution decisions keep their totals, and the registering staff and store keep their
    credit. Erasing twice changes nothing."""
    member = Member.objects.for_merchant(merchant).select_for_update().get(pk=member.pk)
    if member.is_erased:
        return member
    member.name = member.phone = ""
    member.email = f"{uuid.uuid4().hex}@{Member.ERASED_DOMAIN}"
    member.birthday = None
    member.user = None
    member.points_notices = False
    member.save()
    return member
