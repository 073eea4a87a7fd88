"""The one write path of points: accounts locked per write, append-only entries, manual
corrections and expiry (see the package docstring for how a balance stays right)."""

import logging
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import selectors
from ..models import PointsAccount, PointsLedgerEntry

logger = logging.getLogger(__name__)

Entry = PointsLedgerEntry
Source = PointsLedgerEntry.Source
Kind = PointsLedgerEntry.Kind
CENT = Decimal("0.01")


class NotEnoughPoints(ValidationError):
    pass


class CashRedemptionRefused(ValidationError):
    pass


# --- Accounts and the one write path ----------------------------------------------


def _owner_lookup(*, merchant, member=None, staff=None, store=None) -> dict:
    if store is not None:
        return {"store": store}
    return selectors.account_owner(merchant=merchant, member=member, staff=staff)


def account_lock(*, merchant, member=None, staff=None, store=None) -> PointsAccount:
    """The person's (or referrer store's) account, created if needed, row-locked until commit."""
    lookup = _owner_lookup(merchant=merchant, member=member, staff=staff, store=store)
    owner = next(iter(lookup.values()))
    if owner.merchant_id != merchant.pk:
        raise ValidationError(_("This account belongs to another merchant."))
    accounts = PointsAccount.objects.for_merchant(merchant)
    account = accounts.filter(**lookup).first()
    if account is None:
        try:
            with transaction.atomic():
                account = accounts.create(merchant=merchant, **lookup)
        except IntegrityError:  # created concurrently by another event
            account = accounts.get(**lookup)
    return accounts.select_for_update().get(pk=account.pk)


def _post(
    account: PointsAccount,
    *,
    kind: str,
    points: int,
    source: str,
    key: str,
    at=None,
    label: str = Entry.Label.NORMAL,
    offer_id=None,
    order=None,
    store=None,
    cash_amount=None,
    description: str = "",
) -> Entry | None:
    """Append one entry to a LOCKED account. None when the key was already used (replay)."""
    entries = Entry.objects.for_merchant(account.merchant_id)
    if entries.filter(idempotency_key=key).exists():
        return None
    balance = account.balance + points
    if balance < 0:
        raise NotEnoughPoints(
            _("Not enough points: the balance is %(balance)s, %(points)s needed.")
            % {"balance": account.balance, "points": -points}
        )
    entry = entries.create(
        merchant_id=account.merchant_id,
        account=account,
        kind=kind,
        points=points,
        balance_after=balance,
        label=label,
        source=source,
        offer_id=offer_id,
        order=order,
        store=store,
        cash_amount=cash_amount,
        description=description[:255],
        idempotency_key=key,
        created_at=at or timezone.now(),
    )
    account.balance = balance
    account.save(update_fields=["balance"])
    return entry


def _award_points_to(account, awards, *, source: str, key_prefix: str, at, order=None, store=None) -> list[Entry]:
    written = []
    for award in awards:
        if award.points <= 0:
            continue  # discounts are applied by the checkout, not the ledger
        entry = _post(
            account,
            kind=Kind.EARN,
            points=award.points,
            source=source,
            key=f"{key_prefix}:offer:{award.offer_id}",
            at=at,
            label=award.label.value,
            offer_id=award.offer_id,
            order=order,
            store=store,
            description=award.reason,
        )
        if entry:
            written.append(entry)
    return written


@transaction.atomic
def points_adjust(*, merchant, points: int, reason: str, member=None, staff=None, store=None, key=None) -> Entry:
    """A manual correction by the merchant (positive or negative), with its reason."""
    if points == 0:
        raise ValidationError(_("An adjustment needs a number of points other than zero."))
    if not reason.strip():
        raise ValidationError(_("Say why the points are adjusted."))
    account = account_lock(merchant=merchant, member=member, staff=staff, store=store)
    return _post(
        account,
        kind=Kind.ADJUST,
        points=points,
        source=Source.MANUAL,
        key=key or f"adjust:{uuid.uuid4()}",
        description=reason.strip(),
    )


@transaction.atomic
def points_expire(*, merchant, points: int, reason: str, key: str, member=None, staff=None) -> Entry | None:
    """Expire up to `points` (never below zero). `key` names the expiry run, e.g.
    "expire:2025:<account>", so running it again expires nothing more."""
    if points <= 0:
        raise ValidationError(_("Enter a positive number of points."))
    account = account_lock(merchant=merchant, member=member, staff=staff)
    taken = min(points, account.balance)
    if taken == 0:
        return None
    return _post(account, kind=Kind.EXPIRE, points=-taken, source=Source.MANUAL, key=key, description=reason)
