"""Writes on a merchant's staff: invite a person to a role, record a resignation."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omo.contact import normalize_email

from .models import Staff, Store


@transaction.atomic
def staff_invite(*, merchant, email: str, display_name: str, role: str, store: Store | None = None) -> Staff:
    """Give the person with this email a staff role at the merchant (their login is created, without
    a password, when they have none: they set one through "forgot password" or sign in by email
    link). Store staff and managers need a store. Someone already employed here is refused
    (code "unique"); a former staff member is taken back on."""
    if role not in Staff.Role.values:
        raise ValidationError({"role": [ValidationError(_("Choose a role from the list."), code="invalid_choice")]})
    if role != Staff.Role.ADMIN and store is None:
        raise ValidationError({"store": [ValidationError(_("Store staff and managers need a store."), code="required")]})
    if store is not None and (store.merchant_id != merchant.pk or store.removed_at is not None):
        raise ValidationError({"store": [ValidationError(_("Choose a store from the list."), code="does_not_exist")]})
    email = normalize_email(email)
    users = get_user_model().objects
    user = users.filter(email__iexact=email).first() or users.create_user(email=email)
    staff_rows = Staff.objects.for_merchant(merchant).select_for_update()
    staff = staff_rows.filter(user=user).first()
    if staff is not None and staff.resigned_at is None:
        raise ValidationError({"email": [ValidationError(_("This person is already on the staff."), code="unique")]})
    if staff is None:
        staff = Staff(merchant=merchant, user=user)
    staff.display_name, staff.role, staff.store, staff.resigned_at = display_name.strip(), role, store, None
    staff.save()
    return staff


@transaction.atomic
def staff_resign(*, merchant, staff: Staff, at=None) -> Staff:
    """Record that the staff member left (from `at`, default now): they can no longer sign in to the
    merchant, share links or be credited for orders after that time; their past credit stays."""
    staff = Staff.objects.for_merchant(merchant).select_for_update().get(pk=staff.pk)
    if staff.resigned_at is None:
        staff.resigned_at = at or timezone.now()
        staff.save(update_fields=["resigned_at"])
    return staff
