"""`ordering` that refuses what it does not know (a module of its own: REST_FRAMEWORK's
DEFAULT_FILTER_BACKENDS names it, and DRF reads that setting while its generic views import)."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.filters import OrderingFilter


class StrictOrderingFilter(OrderingFilter):
    """`ordering` with a field the endpoint does not offer is a 400, not a silent default."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",")]
            valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [field for field in fields if field.lstrip("-") not in valid]
            if unknown:
                raise ValidationError({self.ordering_param: [ErrorDetail(
                    _("Unknown ordering field: %(fields)s. Allowed: %(allowed)s.")
                    % {"fields": ", ".join(unknown), "allowed": ", ".join(sorted(valid))},
                    code="unknown_ordering_field")]})
            return [field for field in fields if field]
        return self.get_default_ordering(view)
