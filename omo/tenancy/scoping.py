"""One scoping mechanism for tenant data, failing closed.

Every tenant-owned model's default manager is a django-scopes ScopedManager on the
`merchant` dimension: a query with no active merchant scope raises ScopeError instead of
returning every merchant's rows. Code either runs inside `merchant_scope(merchant)` (the
request middleware and the tenant task base do this) or names the merchant explicitly with
`Model.objects.for_merchant(merchant)`. Admin, shell and migrations opt out visibly with
`django_scopes.scopes_disabled()`.
"""

from contextlib import contextmanager
from functools import partial

from django.apps import apps
from django.db import models
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND, WhereNode
from django_scopes import ScopedManager, scope
from django_scopes.exceptions import ScopeError

__all__ = ["ScopeError", "TenantManager", "is_tenant_model", "merchant_scope", "one_to_one_joined", "one_to_one_joined_keep",
           "one_to_one_prefetch", "scoped_manager"]


def _merchant_value(merchant):
    # A None merchant would make django-scopes drop the filter and return every tenant's rows.
    if merchant is None or merchant == "":
        raise ScopeError("A merchant is required for tenant data; got None.")
    return merchant


@contextmanager
def merchant_scope(merchant):
    with scope(merchant=_merchant_value(merchant)):
        yield


class TenantManager(models.Manager):
    def for_merchant(self, merchant):
        """Rows of this one merchant, whatever scope is active."""
        return self.with_scope(merchant=_merchant_value(merchant)).get_queryset()


def scoped_manager(manager_class=TenantManager):
    return ScopedManager(_manager_class=manager_class, merchant="merchant")


def one_to_one_prefetch(model, name: str, *, merchant, select_related=()):
    """Prefetch of `model`'s reverse one-to-one `name` (a MerchantOneToOneField, which Django does not
    `select_related` backwards): the merchant's rows only, so that under Citus the prefetch reads
    one shard (docs/scaling.md), with `select_related` of the prefetched rows."""
    related = model._meta.get_field(name).related_model
    return models.Prefetch(name, queryset=related.objects.for_merchant(merchant).select_related(*select_related))


def one_to_one_joined(queryset, *names):
    """`queryset` with its model's reverse one-to-ones `names` (MerchantOneToOneFields) read in the
    same query: Django `select_related`s a reverse one-to-one only through a unique column, so each
    is joined as a FilteredRelation (its ON carries merchant_id like every tenant join). Call
    `one_to_one_joined_keep` on each row read to fill the relations' caches."""
    aliases = {_joined_alias(name): models.FilteredRelation(name) for name in names}
    return queryset.annotate(**aliases).select_related(*aliases)


def one_to_one_joined_keep(instance, *names):
    """Put the rows joined by `one_to_one_joined` in `instance`'s reverse one-to-one caches (None for
    a missing row), so that `instance.<name>` reads no more and raises DoesNotExist like Django's."""
    for name in names:
        getattr(type(instance), name).related.set_cached_value(instance, getattr(instance, _joined_alias(name), None))


def _joined_alias(name: str) -> str:
    return f"{name}_joined"


# --- joins between two merchants' tables carry the merchant (Citus, docs/scaling.md) ----------


def is_tenant_model(model) -> bool:
    """A table of one merchant's rows: it has the `merchant` key (MerchantOwned, and one-per-merchant rows)."""
    field = next((f for f in model._meta.local_fields if f.name == "merchant"), None)
    return field is not None and field.is_relation and field.related_model._meta.label == "tenancy.Merchant"


def _same_merchant(field, alias, related_alias):
    """`get_extra_restriction` of a foreign key between two tenant tables: Django adds it to the ON
    of every join along the key, forward or reverse (`alias` is the referenced table's, and
    `related_alias` the referencing table's). None when Django builds a subquery with only one of
    the two tables (an exclude across the key): that subquery is then filtered by the key alone."""
    if alias is None or related_alias is None:
        return None
    own = field.model._meta.get_field("merchant")
    referenced = field.related_model._meta.get_field("merchant")
    return WhereNode([Exact(referenced.get_col(alias), own.get_col(related_alias))], connector=AND)


def join_tenant_tables_on_merchant():
    """Every foreign key from one tenant table to another joins on merchant_id too, so that a join
    is co-located when the tables are distributed by merchant_id (Citus needs the distribution
    column in the join). Both rows always belong to the same merchant, so no result changes.
    Called once from TenancyConfig.ready(), when every model is loaded; the schema is unchanged."""
    for model in apps.get_models():
        if not is_tenant_model(model):
            continue
        for field in model._meta.local_fields:
            if (field.many_to_one or field.one_to_one) and field.name != "merchant" and is_tenant_model(field.related_model):
                field.get_extra_restriction = partial(_same_merchant, field)
