"""One scoping mechanism for tenant data, failing closed.

Every tenant-owned model's default manager is a django-scopes ScopedManager on the
`merchant` dimension: a query with no active merchant scope raises ScopeError instead of
returning every merchant's rows. Code either runs inside `merchant_scope(merchant)` (the
request middleware and the tenant task base do this) or names the merchant explicitly with
`Model.objects.for_merchant(merchant)`. Admin, shell and migrations opt out visibly with
`django_scopes.scopes_disabled()`.
"""

from contextlib import contextmanager

from django.db import models
from django_scopes import ScopedManager, scope
from django_scopes.exceptions import ScopeError

__all__ = ["ScopeError", "TenantManager", "merchant_scope", "one_to_one_prefetch", "scoped_manager"]


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

