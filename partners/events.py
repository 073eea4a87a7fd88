"""The commission.* outbound webhook events (omo.webhooks), one shape for created, approved and
paid: emitted by the referred-order recompute (services) and the commission lifecycle (payouts)."""

from commerce.models import Order
from omo.api.publicid import public_id, public_id_of
from omo.webhooks.models import EventType
from omo.webhooks.services import webhook_event_emit

from .models import CampaignOrder, Partner


def commission_event_data(record: CampaignOrder, order: Order) -> dict:
    """Ids are the public ids of the merchant API: the commission is the `commissions` resource
    (one per referred order, `comm_...`), the order `ord_...`, the campaign `camp_...`."""
    campaign = record.campaign
    return {
        "commission": {"id": public_id(record), "amount": record.commission, "currency": campaign.currency,
                       "settlement": record.settlement},
        "order": {"id": public_id(order), "number": order.number, "placed_at": order.placed_at},
        "campaign": {"id": public_id(campaign), "code": campaign.code, "name": campaign.name},
        "partner": {"id": public_id_of(Partner, campaign.partner_id)},
    }


def commission_event_emit(*, merchant, type: EventType, record: CampaignOrder, order: Order) -> None:
    """In the caller's transaction; once per referred order and event type (the key)."""
    kind = type.value if hasattr(type, "value") else type
    webhook_event_emit(
        merchant=merchant, type=type, data=commission_event_data(record, order),
        idempotency_key=f"{kind}:{record.pk}",
    )
