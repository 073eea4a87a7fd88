"""The automatic link tables of Campaign.products and Offer.stores become CampaignProduct and
OfferStore, with the merchant, and keep their rows (migrating back restores them)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import MerchantFactory, ProductFactory, StoreFactory

BEFORE = [("partners", "0009_unique_constraints_with_merchant"), ("loyalty", "0011_unique_constraints_with_merchant")]
AFTER = [("partners", "0010_campaign_products_through_model"), ("loyalty", "0012_offer_stores_through_model")]


@pytest.fixture
def back_to_latest():
    """Leave the test database fully migrated for the tests after this one."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_link_rows_move_to_the_through_models_with_their_merchant(back_to_latest):
    merchant = MerchantFactory()
    product, store = ProductFactory(merchant=merchant), StoreFactory(merchant=merchant)
    old = _migrate(BEFORE)
    campaign = old.get_model("partners", "Campaign")._base_manager.create(
        merchant_id=merchant.pk, name="Spring", code="SPRING", starts_at=datetime(2026, 1, 1, tzinfo=UTC),
        ends_at=datetime(2026, 12, 31, tzinfo=UTC), currency="TWD", condition="specific_products", commission_type="percentage",
        rate=10,
    )
    offer = old.get_model("loyalty", "Offer")._base_manager.create(
        merchant_id=merchant.pk, name="Store day", event="order_paid", action="fixed_points", value=5,
    )
    old.get_model("partners", "Campaign").products.through._base_manager.create(campaign_id=campaign.pk, product_id=product.pk)
    old.get_model("loyalty", "Offer").stores.through._base_manager.create(offer_id=offer.pk, store_id=store.pk)

    new = _migrate(AFTER)

    links = new.get_model("partners", "CampaignProduct")._base_manager.values_list("merchant_id", "campaign_id", "product_id")
    assert list(links) == [(merchant.pk, campaign.pk, product.pk)]
    stores = new.get_model("loyalty", "OfferStore")._base_manager.values_list("merchant_id", "offer_id", "store_id")
    assert list(stores) == [(merchant.pk, offer.pk, store.pk)]

    back = _migrate(BEFORE)
    assert list(back.get_model("partners", "Campaign").products.through._base_manager.values_list("product_id", flat=True)) == [product.pk]
    assert list(back.get_model("loyalty", "Offer").stores.through._base_manager.values_list("store_id", flat=True)) == [store.pk]
