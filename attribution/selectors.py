"""Reads on attribution decisions for the apps below attribution, which name them in settings
instead of importing them (loyalty reads the credited staff member of a sale through
`settings.LOYALTY_ORDER_CREDIT`)."""

from .models import Attribution
from .rules import Reason


def order_credited_staff(*, merchant_id: int, order_id: int) -> tuple[bool, int | None]:
    """(decided, id of the staff member credited with the order): (False, None) while the order's
    attribution is not decided yet, (True, None) when it is decided and credits nobody."""
    row = (
        Attribution.objects.for_merchant(merchant_id)
        .filter(order_id=order_id)
        .values_list("reason", "staff_id")
        .first()
    )
    if row is None:
        return False, None
    reason, staff_id = row
    return True, staff_id if reason == Reason.CREDITED else None
