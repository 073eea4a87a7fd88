"""The branch's loyalty migration turns the old fixed referral points into the same ratio."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import MerchantFactory

BEFORE = [("loyalty", "0003_points_due")]
AFTER = [("loyalty", "0004_referral_ratio_new_members_cash_days")]


@pytest.fixture
def back_to_latest():
    """Leave the test database fully migrated for the tests after this one."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_fixed_referral_points_become_their_ratio(back_to_latest):
    paid_split, no_split = MerchantFactory(), MerchantFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("loyalty", "LoyaltySettings")
    # 10 traffic / 30 sales points per sale; a merchant who paid no split at all.
    old._base_manager.create(merchant_id=paid_split.pk, referral_traffic_points=10, referral_sales_points=30)
    old._base_manager.create(merchant_id=no_split.pk, referral_traffic_points=0, referral_sales_points=0)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    new = executor.loader.project_state(AFTER).apps.get_model("loyalty", "LoyaltySettings")
    percents = dict(new._base_manager.values_list("merchant_id", "referral_traffic_percent"))
    assert percents == {paid_split.pk: 25, no_split.pk: None}
    row = new._base_manager.get(merchant_id=paid_split.pk)
    assert (row.referral_new_member_minutes, row.cash_redemption_first_day, row.cash_redemption_last_day) == (30, 1, 31)
