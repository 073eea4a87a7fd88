"""The commission.* outbound webhook events (omo.webhooks), one shape for created, approved and
paid: emitted by the referred-order recompute (services) and the commission lifecycle (payouts)."""

from commerce.models import Order
from omo.webhooks.models import EventType
from omo.webhooks.services import webhook_event_emit

from .models import CampaignOrder


def commission_event_data(record: CampaignOrder, order: Order) -> dict:
    campaign = record.campaign
    return {
        "commission": {"id": record.pk, "amount": record.commission, "currency": campaign.currency,
                       "settlement": record.settlement},
        "order": {"id": order.pk, "number": order.number, "placed_at": order.placed_at},
        "campaign": {"id": campaign.pk, "code": campaign.code, "name": campaign.name},
        "partner": {"id": campaign.partner_id},
    }


def commission_event_emit(*, merchant, type: EventType, record: CampaignOrder, order: Order) -> None:
    """In the caller's transaction; once per referred order and event type (the key)."""
    kind = type.value if hasattr(type, "value") else type
    webhook_event_emit(
        merchant=merchant, type=type, data=commission_event_data(record, order),
        idempotency_key=f"{kind}:{record.pk}",
    )
