from django.http import Http404
from django.shortcuts import get_object_or_404

from omo.tenancy.models import Staff

from .models import Member
from omo.contact import normalize_identifier


def member_get(*, merchant, member_id) -> Member:
    """The merchant's member, or 404 (another merchant's id is simply not found)."""
    return get_object_or_404(Member.objects.for_merchant(merchant), pk=member_id)


def member_visible_to(*, staff, member, found_ids=()) -> bool:
    """Merchant admins see every member; managers and store staff their store's members, those
    they registered, and those they found by an exact search (`found_ids`)."""
    if staff.role == Staff.Role.ADMIN:
        return True
    if staff.store_id is not None and member.registered_store_id == staff.store_id:
        return True
    return member.registered_by_id == staff.pk or member.pk in found_ids


def member_get_for_staff(*, merchant, staff, member_id, found_ids=()) -> Member:
    """The member if this staff member may open it, else 404 (whether or not the id exists)."""
    member = member_get(merchant=merchant, member_id=member_id)
    if not member_visible_to(staff=staff, member=member, found_ids=found_ids):
        raise Http404
    return member


def member_find(*, merchant, query: str) -> Member | None:
    """Exact lookup by normalised phone or email. Raises ValidationError on unreadable input."""
    kind, value = normalize_identifier(query, merchant.country)
    return Member.objects.for_merchant(merchant).filter(**{kind: value}).first()



def member_language(member) -> str:
    """The language of texts to the member: their own when set, else the merchant's."""
    return member.language or member.merchant.language
