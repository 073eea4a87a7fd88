"""Reads for the manager's member list (issue 17 item 5): the members that belong to a store
(registered there, or by its staff) with their spending, one query per page."""

from django.db.models import Q, QuerySet
from django.http import Http404

from members.models import Member
from omo.tenancy.models import Staff, Store

def store_members_scope(*, merchant, viewer: Staff, store_id=None) -> Store | None:
    """The store whose members the viewer sees: a manager their own store, an admin the store they
    pick (None: every store). Another merchant's store id is a 404."""
    if viewer.role == Staff.Role.MANAGER:
        return viewer.store
    if store_id in (None, ""):
        return None
    store = Store.objects.for_merchant(merchant).filter(pk=store_id).first()
    if store is None:
        raise Http404
    return store


def store_member_list(*, merchant, store: Store | None) -> QuerySet[Member]:
    """Members registered at the store or by one of its staff, newest first (None: all members)."""
    members = Member.objects.for_merchant(merchant).select_related("registered_store", "registered_by")
    if store is not None:
        members = members.filter(Q(registered_store=store) | Q(registered_by__store=store))
    return members.order_by("-created_at", "-id")
