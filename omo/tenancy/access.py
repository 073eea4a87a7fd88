"""Who may do what inside a merchant: resolved once per request from the URL's merchant."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Staff


def current_staff(request):
    """The signed-in user's employed staff record at the request's merchant, or None."""
    if not request.user.is_authenticated or request.merchant is None:
        return None
    staff = (
        Staff.objects.for_merchant(request.merchant)
        .select_related("store")
        .filter(user=request.user, resigned_at__isnull=True)
        .first()
    )
    return staff


def staff_required(*roles):
    """Decorator for staff pages. Someone who is not staff of this merchant gets 404: the
    merchant's pages do not exist for them (no hint that the id is real elsewhere). Staff of this
    merchant whose role does not open the page get 403, a page that says so and what to do next."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            staff = current_staff(request)
            if staff is None:
                raise Http404
            if roles and staff.role not in roles:
                raise PermissionDenied
            request.staff = staff
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
