"""Which members a staff login may open: data minimisation on the tablet.

Merchant admins open any member of the merchant. Managers and store staff open the members of
their own store (registered there), those they registered themselves, and those they found by an
exact search in this session; any other member id is "not found" (404): a 403 would confirm
that the id is a member, which is what walking ids is after.
"""

from django.conf import settings

from omo.ratelimit import hit

from . import selectors

FOUND_KEEP = 30  # members found by search remembered per session (the most recent)


def _found_key(merchant) -> str:
    return f"members_found:{merchant.pk}"


def member_found_remember(session, *, merchant, member) -> None:
    ids = [pk for pk in session.get(_found_key(merchant), []) if pk != member.pk]
    session[_found_key(merchant)] = [*ids, member.pk][-FOUND_KEEP:]


def member_found_ids(session, *, merchant) -> list[int]:
    return list(session.get(_found_key(merchant), []))


def member_for_request(request, member_id):
    """The member at `member_id` if the request's staff login may open it, else Http404."""
    return selectors.member_get_for_staff(
        merchant=request.merchant,
        staff=request.staff,
        member_id=member_id,
        found_ids=member_found_ids(request.session, merchant=request.merchant),
    )


def member_lookup_allowed(request) -> bool:
    """Count one lookup (search or registration attempt) of this staff login; False over the limit."""
    return hit(
        f"member-lookup:{request.merchant.pk}:{request.user.pk}",
        limit=settings.MEMBER_LOOKUP_LIMIT,
        window=settings.MEMBER_LOOKUP_WINDOW,
    )
