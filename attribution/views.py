"""The merchant admin's attribution settings page. No rules here: parse the form, call the
service, render the settings in force and their history."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from omo.errors import form_errors_add
from omo.tenancy.access import staff_required
from omo.tenancy.models import Staff

from . import selectors, services
from .forms import AttributionSettingsForm


@require_http_methods(["GET", "POST"])
@staff_required()
def settings_edit(request, merchant):
    """Window length and in-store credit; a change applies to orders placed after it.

    Staff of another merchant get 404 (staff_required); this merchant's store staff and
    managers see the page exists but may not change it: 403.
    """
    if request.staff.role != Staff.Role.ADMIN:
        raise PermissionDenied
    current = selectors.attribution_settings_get(merchant=request.merchant)
    form = AttributionSettingsForm(
        request.POST or None,
        initial={"window_hours": current.window_hours, "in_store_credit": current.in_store_credit},
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.attribution_settings_change(
                merchant=request.merchant, changed_by=request.staff, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            if changed is None:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("Attribution settings saved. They apply to orders placed from now on."))
            return redirect("attribution:settings", merchant=request.merchant.slug)
    return render(
        request,
        "attribution/settings.html",
        {
            "form": form,
            "current": current,
            "history": selectors.attribution_settings_history(merchant=request.merchant),
        },
    )
