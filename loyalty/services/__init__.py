"""Writes on loyalty points: every movement is one append-only ledger entry.

How a balance stays right (SPEC 6: "balances never go negative"):
- every write locks the account row (`select_for_update`), reads the balance,
  appends the entry and updates `PointsAccount.balance` in the same
  transaction, so two redemptions racing for the same points are serialised:
  the second sees the first one's balance and is refused;
- the database refuses a negative balance (check constraints on the account
  and on each entry's `balance_after`) as a last line of defence;
- every entry carries an idempotency key unique per merchant, built from the
  event (order, offer, link, month...), so a replayed event writes nothing.

Which points an event earns is decided by the pure `loyalty.offers` engine;
this module only gathers the facts and writes the result.

Split by domain: `ledger` (accounts, the one write path, adjustments, expiry), `orders` (with
`split`, the referral split of a sale),
`events` (share, referral, app install, birthday), `redemption` (checkout, staff cash) and
`settings` (settings, offers, checkout preview). Public functions for other apps:
- `order_points_settle` / `order_points_due` (the order follower: settings.ORDER_FOLLOWERS);
- `share_points_award` (share button in recommendations);
- `points_redeem_for_order` (storefront checkout: points + cash);
- `cash_redemption_request` (staff, once per calendar month, on the merchant's days);
- `referral_record`, `app_install_award`, `birthday_award`, `points_adjust`;
- `member_event_record` (the member-events API: app install, follow, birthday entered, profile
  completed, custom events; `member_events`).
"""

from .events import ReferralRefused, app_install_award, birthday_award, referral_record, share_points_award
from .member_events import MemberEventResult, UnknownMember, member_event_record
from .ledger import CashRedemptionRefused, NotEnoughPoints, account_lock, points_adjust, points_expire
from .orders import order_points_due, order_points_settle, points_due_order_ids
from .redemption import Redemption, cash_redemption_request, points_redeem_for_order, points_value
from .settings import (
    CheckoutDiscount,
    checkout_discounts,
    loyalty_settings_save,
    offer_save,
    offers_preview,
    settings_for,
)

__all__ = [
    "CashRedemptionRefused",
    "CheckoutDiscount",
    "MemberEventResult",
    "NotEnoughPoints",
    "Redemption",
    "ReferralRefused",
    "account_lock",
    "app_install_award",
    "birthday_award",
    "cash_redemption_request",
    "checkout_discounts",
    "loyalty_settings_save",
    "member_event_record",
    "offer_save",
    "offers_preview",
    "order_points_due",
    "order_points_settle",
    "points_adjust",
    "points_due_order_ids",
    "points_expire",
    "points_redeem_for_order",
    "points_value",
    "referral_record",
    "settings_for",
    "share_points_award",
    "UnknownMember",
]
