from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission

from omo.tenancy.access import current_staff
from omo.tenancy.models import ApiKey


class MerchantRole(BasePermission):
    """An API key (already checked against the URL's merchant) acts as the merchant's integration,
    within its scopes: the view's `scope_group` read (safe methods) or write; anything else 403. A signed-in person must be employed staff of the URL's merchant
    (anyone else gets 404, as on the pages) with a role in the view's `read_roles` (safe methods)
    or `write_roles`; a staff member whose role does not reach gets 403."""

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiKey):
            group = getattr(view, "scope_group", None)
            return (
                request.auth.merchant_id == request.merchant.pk
                and group is not None
                and request.auth.allows(group, write=request.method not in SAFE_METHODS)
            )
        if not request.user or not request.user.is_authenticated:
            return False
        staff = current_staff(request)
        if staff is None:
            raise NotFound
        request.staff = staff
        roles = view.read_roles if request.method in SAFE_METHODS else view.write_roles
        return staff.role in roles
