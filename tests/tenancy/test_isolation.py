import pytest
from django_scopes.exceptions import ScopeError

from commerce.models import Order
from members.models import Member
from omo.tenancy.scoping import merchant_scope
from tests.factories import MemberFactory, OrderFactory, StaffFactory


def test_unscoped_query_on_tenant_data_raises(member):
    # Given tenant data and no merchant scope, when someone forgets to scope, then it fails closed.
    with pytest.raises(ScopeError):
        list(Member.objects.all())
    with pytest.raises(ScopeError):
        Order.objects.filter(number="x").exists()


def test_a_none_merchant_scope_is_refused_rather_than_unfiltered(member):
    with pytest.raises(ScopeError):
        with merchant_scope(None):
            pass
    with pytest.raises(ScopeError):
        Member.objects.for_merchant(None)


def test_scope_shows_only_that_merchants_rows(merchant, other_merchant):
    mine = MemberFactory(merchant=merchant)
    theirs = MemberFactory(merchant=other_merchant)
    with merchant_scope(merchant):
        assert list(Member.objects.all()) == [mine]
    assert list(Member.objects.for_merchant(other_merchant)) == [theirs]


def test_member_page_of_another_merchant_is_404(client, staff, other_merchant, member):
    # Given a member of merchant A and a member of merchant B
    foreign = MemberFactory(merchant=other_merchant)
    client.force_login(staff.user)
    # When A's staff asks for A's member: shown
    own = client.get(f"/m/{staff.merchant.slug}/staff/members/{member.pk}/")
    assert own.status_code == 200
    assert member.email in own.content.decode()
    # When A's staff asks for B's member id under A's prefix: 404 and nothing of B
    cross = client.get(f"/m/{staff.merchant.slug}/staff/members/{foreign.pk}/")
    assert cross.status_code == 404
    assert foreign.email not in cross.content.decode()
    # And B's pages do not exist for A's staff at all
    other_prefix = client.get(f"/m/{other_merchant.slug}/staff/members/{foreign.pk}/")
    assert other_prefix.status_code == 404
    assert foreign.email not in other_prefix.content.decode()


def test_staff_of_other_merchant_gets_404_not_data(client, merchant, other_merchant, member):
    outsider = StaffFactory(merchant=other_merchant)
    client.force_login(outsider.user)
    response = client.get(f"/m/{merchant.slug}/staff/members/{member.pk}/")
    assert response.status_code == 404
    assert member.email not in response.content.decode()


def test_unknown_merchant_prefix_is_404(client, staff):
    client.force_login(staff.user)
    assert client.get("/m/no-such-merchant/staff/").status_code == 404


def test_anonymous_is_sent_to_login(client, merchant, member):
    response = client.get(f"/m/{merchant.slug}/staff/members/{member.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_order_numbers_are_unique_per_merchant_only(merchant, other_merchant):
    OrderFactory(merchant=merchant, number="A-1")
    OrderFactory(merchant=other_merchant, number="A-1")
    assert Order.objects.for_merchant(merchant).filter(number="A-1").count() == 1


def test_every_model_has_an_admin_page_with_search(client, db):
    from django.apps import apps
    from django.contrib import admin

    from tests.factories import UserFactory

    ours = {"accounts", "tenancy", "commerce", "members", "recommendations", "attribution", "partners", "reports", "loyalty",
            "connectors", "imports", "webhooks", "audit"}
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in apps.get_models():
        if model._meta.app_label not in ours:
            continue
        assert model in admin.site._registry, model._meta.label
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/?q=x"
        assert client.get(url).status_code == 200, url
