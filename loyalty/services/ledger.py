"""The one write path of points: accounts locked per write, append-only entries, manual
corrections and expiry (see the package docstring for how a balance stays right)."""

import logging
import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.models import Order
from members.models import Member
from omo.api.publicid import public_id, public_id_of
from omo.tenancy.models import Staff, Store
from omo.webhooks.models import EventType
from omo.webhooks.services import webhook_event_emit

from .. import selectors
from ..models import Offer, PointsAccount, PointsBudget, PointsLedgerEntry

logger = logging.getLogger(__name__)

Entry = PointsLedgerEntry
Source = PointsLedgerEntry.Source
Kind = PointsLedgerEntry.Kind


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
    at = at or timezone.now()
    terms = _offer_terms(account.merchant_id, offer_id, kind=kind, points=points, at=at)
    if points > 0 and terms.points <= 0:
        return None  # the offer's deduction account is spent
    if terms.points < points:
        description = f"{description} ({_('budget limit')})"
    points = terms.points
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
        created_at=at,
        expires_at=terms.expires_at,
        deduction_account_id=terms.budget_id,
    )
    account.balance = balance
    account.save(update_fields=["balance"])
    _points_event_emit(account, entry)
    return entry


POINTS_EVENT_TYPES = {Kind.EARN: EventType.POINTS_EARNED, Kind.REDEEM: EventType.POINTS_REDEEMED}


def _points_event_emit(account: PointsAccount, entry: Entry) -> None:
    """Outbound webhooks: points.earned / points.redeemed, once per ledger entry (ids are the
    merchant API's public ids)."""
    event_type = POINTS_EVENT_TYPES.get(entry.kind)
    if event_type is None:
        return
    data = {
        "entry": {"id": public_id(entry), "kind": entry.kind, "points": entry.points, "balance_after": entry.balance_after,
                  "source": entry.source, "label": entry.label, "cash_amount": entry.cash_amount,
                  "description": entry.description, "created_at": entry.created_at, "expires_at": entry.expires_at},
        "account": {"id": public_id(account), "member": public_id_of(Member, account.member_id),
                    "staff": public_id_of(Staff, account.staff_id), "store": public_id_of(Store, account.store_id)},
        "order": public_id_of(Order, entry.order_id),
    }
    webhook_event_emit(merchant=account.merchant_id, type=event_type, data=data,
                       idempotency_key=f"{event_type}:{entry.pk}")


class _Terms(NamedTuple):
    points: int
    expires_at: datetime | None = None
    budget_id: int | None = None


def _offer_terms(merchant_id, offer_id, *, kind: str, points: int, at) -> _Terms:
    """The Loymax terms of the offer an entry comes from: the points' lifetime (an earn entry
    stores when its points expire) and the deduction account it draws on. An award is cut to what
    the account has left (the account row is locked, so two awards never spend the same budget);
    an entry that takes points back (reversal) gives them back to the account."""
    if offer_id is None:
        return _Terms(points)
    offer = (
        Offer.objects.for_merchant(merchant_id).filter(pk=offer_id)
        .values("points_lifetime_days", "deduction_account_id").first()
    )
    if offer is None:
        return _Terms(points)
    expires_at = None
    if kind == Kind.EARN and points > 0 and offer["points_lifetime_days"]:
        expires_at = at + timedelta(days=offer["points_lifetime_days"])
    budget_id = offer["deduction_account_id"]
    if budget_id is not None and points > 0:
        budget = PointsBudget.objects.for_merchant(merchant_id).select_for_update().get(pk=budget_id)
        drawn = (
            Entry.objects.for_merchant(merchant_id).filter(deduction_account_id=budget_id)
            .aggregate(total=Sum("points"))["total"] or 0
        )
        points = min(points, max(budget.budget - drawn, 0))
    return _Terms(points, expires_at, budget_id)


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
