from django.shortcuts import get_object_or_404

from .models import Member
from omo.contact import normalize_identifier


def member_get(*, merchant, member_id) -> Member:
    """The merchant's member, or 404 (another merchant's id is simply not found)."""
    return get_object_or_404(Member.objects.for_merchant(merchant), pk=member_id)


def member_find(*, merchant, query: str) -> Member | None:
    """Exact lookup by normalised phone or email. Raises ValidationError on unreadable input."""
    kind, value = normalize_identifier(query, merchant.country)
    return Member.objects.for_merchant(merchant).filter(**{kind: value}).first()

