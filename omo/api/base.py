"""The building blocks every resource of the merchant API uses, so that a new viewset conforms by
subclassing `MerchantViewSet` and its serializer `ApiModelSerializer`:

- public ids (publicid.py) for `id` and every relation, in bodies, URLs and filters;
- strict query strings: a parameter no filter, search, ordering or pagination declares is a 400
  naming it; an unknown ordering field too; the search parameter is `search` everywhere;
- `updated_after` / `updated_before` filters and `updated_at` ordering where the model has the field;
- an `ETag` on every object response, `If-Match` checked on PUT/PATCH/DELETE (412 when stale);
- page-number pagination by default, cursor pagination (`CursorPagination`) for append-mostly logs.
The error shape, throttles, idempotency and rate-limit headers apply to every DRF view anyway
(REST_FRAMEWORK settings and omo.api.safety.ApiSafetyMiddleware).
"""

import hashlib

import django_filters
from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.fields import get_attribute
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import CursorPagination as DrfCursorPagination
from rest_framework.pagination import PageNumberPagination
from rest_framework.relations import PKOnlyObject

from . import publicid
from omo.moneyfield import MoneyField as MoneyModelField

from .authentication import ApiKeyAuthentication
from .errors import PreconditionFailed, UnknownParameter
from .money import MoneyField
from .permissions import MerchantRole
from .ordering import StrictOrderingFilter
from .safety import dumps

ALL_STAFF = ("admin", "manager", "staff")
MANAGERS = ("admin", "manager")
ADMIN = ("admin",)
SEARCH_PARAM = "search"
ALWAYS_ALLOWED_PARAMS = {"format", "lang"}


# Public ids -----------------------------------------------------------------------------------
@extend_schema_field({"type": "string", "pattern": "^[a-z]{1,8}_[0-9A-Za-z]{11}$", "readOnly": True,
                      "example": "ord_4fTq0ZbWk2a"})
class PublicIdField(serializers.Field):
    """The object's own id: `<prefix>_<11 characters>`."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs["read_only"] = True
        kwargs.setdefault("source", "pk")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return publicid.public_id_of(self.model, value)


@extend_schema_field({"type": "string", "pattern": "^[a-z]{1,8}_[0-9A-Za-z]{11}$", "example": "mem_8PzLk3QwR1c"})
class PublicIdRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation written and read as the related object's public id."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("No object with id \"{pk_value}\"."),
        "incorrect_type": gettext_lazy("Expected an id string, received {data_type}."),
    }

    def __init__(self, model=None, **kwargs):
        self.model = model or (kwargs.get("queryset").model if kwargs.get("queryset") is not None else None)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return publicid.public_id_of(self.model, value.pk)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        pk = publicid.decode(publicid.prefix_for(self.model), data)
        if pk is None:
            self.fail("does_not_exist", pk_value=data[:40])
        try:
            return self.get_queryset().get(pk=pk)
        except ObjectDoesNotExist:
            self.fail("does_not_exist", pk_value=data[:40])

    def get_attribute(self, instance):
        # The id without loading the related row (as PrimaryKeyRelatedField does).
        try:
            attribute_instance = get_attribute(instance, self.source_attrs[:-1])
            value = attribute_instance.serializable_value(self.source_attrs[-1])
            return PKOnlyObject(pk=value.pk if isinstance(value, Model) else value) if value is not None else None
        except AttributeError:
            return super().get_attribute(instance)


class ApiModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose `id` and relations are public ids. Declare relations explicitly as
    `PublicIdRelatedField(model=..., read_only=True)` or with a merchant-scoped queryset."""

    serializer_related_field = PublicIdRelatedField
    # Money columns come out with the merchant's currency's digits (omo.api.money).
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, MoneyModelField: MoneyField}

    def build_field(self, field_name, info, model_class, nested_depth):
        if field_name == "id" or (info.pk is not None and field_name == info.pk.name):
            return PublicIdField, {"model": model_class}
        return super().build_field(field_name, info, model_class, nested_depth)

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if issubclass(field_class, PublicIdRelatedField):
            kwargs["model"] = relation_info.related_model
        return field_class, kwargs


class PublicIdFormField(forms.CharField):
    def __init__(self, *args, prefix, **kwargs):
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        pk = publicid.decode(self.prefix, value)
        if pk is None:
            raise forms.ValidationError(_("Not a valid id."), code="invalid")
        return pk


class AnyPublicIdFormField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        head, _sep, _rest = value.partition("_")
        pk = publicid.decode(head, value)
        if pk is None:
            raise forms.ValidationError(_("Not a valid id."), code="invalid")
        return pk


class IdFilter(django_filters.Filter):
    """A related object's public id, whatever its kind (prefer PublicIdFilter(model=...), which also
    refuses an id of another kind). Kept under the name older filtersets use."""

    field_class = AnyPublicIdFormField


class PublicIdFilter(django_filters.Filter):
    """Filter by a related object's public id (a 400 for anything that is not one of its kind)."""

    field_class = PublicIdFormField

    def __init__(self, *args, model, **kwargs):
        kwargs.setdefault("help_text", f"public id ({publicid.prefix_for(model)}_...)")
        kwargs["prefix"] = publicid.prefix_for(model)
        super().__init__(*args, **kwargs)


# Filters ----------------------------------------------------------------------------------------
class SearchParamFilter(SearchFilter):
    search_param = SEARCH_PARAM


def updated_filters(field_name="updated_at"):
    """The sync filters: changed at or after `updated_after`, before `updated_before` (ISO 8601)."""
    return {
        "updated_after": django_filters.IsoDateTimeFilter(
            field_name=field_name, lookup_expr="gte", help_text="changed at or after this time (ISO 8601)"),
        "updated_before": django_filters.IsoDateTimeFilter(
            field_name=field_name, lookup_expr="lt", help_text="changed before this time (ISO 8601)"),
    }


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(DrfCursorPagination):
    """Stable pages over a growing list: `next`/`previous` links carry an opaque cursor."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-updated_at", "-pk")


# The viewset ------------------------------------------------------------------------------------
def etag_of(data) -> str:
    return '"' + hashlib.sha256(dumps(data)).hexdigest()[:32] + '"'


class MerchantViewSet(viewsets.GenericViewSet):
    """Base of every resource: tenant-scoped queryset, API key or session, role permissions, public
    ids, strict query strings, ETag/If-Match."""

    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [MerchantRole]
    pagination_class = Pagination
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, StrictOrderingFilter]
    lookup_value_regex = publicid.LOOKUP_REGEX
    model = None
    read_roles = ADMIN
    write_roles = ADMIN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request merchant
            return self.model._base_manager.none()
        queryset = self.scope(self.model.objects.for_merchant(self.request.merchant))
        return queryset if queryset.ordered else queryset.order_by("-pk")  # stable pages

    def scope(self, queryset):
        """Narrow further, e.g. by the staff member's role."""
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "merchant": getattr(self.request, "merchant", None)}

    @property
    def staff(self):
        return getattr(self.request, "staff", None)

    # Strict query strings
    def allowed_query_params(self) -> set:
        allowed = set(ALWAYS_ALLOWED_PARAMS)
        for backend in self.filter_backends:
            backend = backend()
            if isinstance(backend, django_filters.rest_framework.DjangoFilterBackend):
                filterset_class = getattr(self, "filterset_class", None)
                if filterset_class is not None:
                    allowed |= set(filterset_class.base_filters)
            elif isinstance(backend, SearchFilter):
                if getattr(self, "search_fields", None):
                    allowed.add(backend.search_param)
            elif isinstance(backend, OrderingFilter):
                allowed.add(backend.ordering_param)
        paginator = self.paginator
        if paginator is not None:
            for name in ("page_query_param", "page_size_query_param", "cursor_query_param"):
                if getattr(paginator, name, None):
                    allowed.add(getattr(paginator, name))
        return allowed | set(getattr(self, "extra_query_params", ()))

    def check_query_params(self, request):
        unknown = set(request.query_params) - self.allowed_query_params()
        if unknown:
            raise UnknownParameter(unknown)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            self.check_query_params(request)

    # Public ids and ETags
    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        pk = publicid.decode(publicid.prefix_for(self.model), lookup)
        if pk is None:
            raise NotFound
        obj = get_object_or_404(queryset, pk=pk)
        self.check_object_permissions(self.request, obj)
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            self.check_if_match(obj)
        return obj

    def etag_for(self, obj) -> str:
        return etag_of(self.get_serializer(obj).data)

    def check_if_match(self, obj):
        header = self.request.headers.get("If-Match")
        if header is None or header.strip() == "*":
            return
        tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
        if self.etag_for(obj) not in tags:
            raise PreconditionFailed

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (200 <= response.status_code < 300 and isinstance(data, dict) and "id" in data
                and "results" not in data and not response.has_header("ETag")):
            response["ETag"] = etag_of(data)
        return response
