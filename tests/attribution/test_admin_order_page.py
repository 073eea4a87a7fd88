from datetime import timedelta

from django.utils import timezone

from attribution.services import order_attribute
from tests.factories import ClickFactory, LinkFactory, OrderFactory, UserFactory


def test_admin_order_page_shows_origin_sales_and_reason(client, merchant, staff, member):
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=timezone.now() - timedelta(hours=2))
    order = OrderFactory(
        merchant=merchant, member=member, created_from="Storefront", source_store=staff.store, recommendation_token=link.token
    )
    order_attribute(merchant_id=merchant.pk, order_id=order.pk)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/commerce/order/").content.decode()
    page = client.get(f"/admin/commerce/order/{order.pk}/change/").content.decode()

    assert "Storefront" in listing and "Taipei 101" in listing and "Amy" in listing
    assert 'value="Storefront"' in page
    assert "credited to Amy at Taipei 101: clicked link" in page


def test_admin_order_page_explains_the_new_reasons_in_words(client, merchant, staff, member):
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=timezone.now() - timedelta(hours=2))
    in_store = OrderFactory(merchant=merchant, member=member, channel="pos", closing_staff=staff,
                            placed_at=timezone.now() - timedelta(hours=1))
    imported = OrderFactory(merchant=merchant, member=member, channel="import",
                            placed_at=timezone.now() - timedelta(minutes=30))
    for order in (in_store, imported):
        order_attribute(merchant_id=merchant.pk, order_id=order.pk)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    shop_page = client.get(f"/admin/commerce/order/{in_store.pk}/change/").content.decode()
    import_page = client.get(f"/admin/commerce/order/{imported.pk}/change/").content.decode()

    assert "not credited: an in-store order is the sale of the store and staff who rang it up" in shop_page
    assert "not credited: only online store orders are credited to recommendation links" in import_page
