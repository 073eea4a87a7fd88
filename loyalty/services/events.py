"""Points for a person's own events: sharing, being referred, app install, birthday."""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.models import Order
from members.models import Member
from omo.tenancy.models import Staff

from .. import offers as rules
from .. import selectors
from ..models import Offer, Referral
from .ledger import Entry, Kind, Source, _award_points_to, _post, account_lock
from .settings import _rule_offers, settings_for


def _person_facts(kind, merchant, at, member=None) -> rules.EventFacts:
    return rules.EventFacts(
        kind=kind,
        local_date=rules.local_day(at, merchant.tzinfo),
        member_birthday=member.birthday if member is not None else None,
    )


def _split_person(staff_or_member):
    if isinstance(staff_or_member, Staff):
        return None, staff_or_member
    if isinstance(staff_or_member, Member):
        return staff_or_member, None
    raise TypeError("expected a Staff or a Member")


@transaction.atomic
def share_points_award(*, merchant, staff_or_member, link_id, at=None) -> list[Entry]:
    """Points for sharing a link through the system's share button, capped per local day by amount.

    The amount comes from the merchant's "share" offers; the cap
    (`LoyaltySettings.share_daily_cap`) counts POINTS earned from shares
    today in the merchant's time zone, not the number of shares. One award
    per link and sharer (sharing the same link again earns nothing).
    Returns the entries written (empty when capped or already awarded).
    """
    at = at or timezone.now()
    member, staff = _split_person(staff_or_member)
    settings = settings_for(merchant)
    awards = rules.evaluate(
        _person_facts(rules.EventKind.SHARE, merchant, at, member),
        _rule_offers(merchant, settings, Offer.Event.SHARE),
        stacking=settings.stacking,
    )
    awards = [award for award in awards if award.points > 0]
    if not awards:
        return []
    account = account_lock(merchant=merchant, member=member, staff=staff)
    start, end = selectors.local_day_bounds(rules.local_day(at, merchant.tzinfo), merchant.tzinfo)
    today = (
        Entry.objects.for_merchant(merchant)
        .filter(account=account, source=Source.SHARE, created_at__gte=start, created_at__lt=end)
        .aggregate(total=Sum("points"))["total"]
        or 0
    )
    written = []
    for award in awards:
        points = rules.cap_share_points(
            already_awarded_today=today, requested=award.points, daily_cap=settings.share_daily_cap
        )
        if points <= 0:
            break
        entry = _post(
            account,
            kind=Kind.EARN,
            points=points,
            source=Source.SHARE,
            key=f"share:{link_id}:{account.pk}:offer:{award.offer_id}",
            at=at,
            label=award.label.value,
            offer_id=award.offer_id,
            description=award.reason if points == award.points else f"{award.reason} (daily cap)",
        )
        if entry:
            written.append(entry)
            today += points
    return written


class ReferralRefused(ValidationError):
    """The member is not new to the merchant: a referral code changes nothing for them."""


@transaction.atomic
def referral_record(
    *, merchant, member, referrer_store=None, referrer_staff=None, referrer_member=None, channel="", at=None,
    created_by_referral=False,
) -> Referral:
    """Record who brought `member` (first referral wins) and award the referrer the
    "member registered through a referral" offers.

    Only a member new to the merchant can be referred (`rules.referral_allowed`): one the
    referral itself created (`created_by_referral`), or one with no orders who registered
    within `LoyaltySettings.referral_new_member_minutes`. Anyone else: `ReferralRefused`, with a
    message for the shopper, and nothing is written. A member already referred gets their
    first referral back, unchanged.
    """
    referrers = [r for r in (referrer_store, referrer_staff, referrer_member) if r is not None]
    if len(referrers) != 1:
        raise ValidationError(_("Choose exactly one referrer."))
    if any(r.merchant_id != merchant.pk for r in (member, *referrers)):
        raise ValidationError(_("The member and the referrer must belong to this merchant."))
    if referrer_member is not None and referrer_member.pk == member.pk:
        raise ValidationError(_("A member cannot refer themselves."))
    referrals = Referral.objects.for_merchant(merchant)
    existing = referrals.filter(member=member).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    settings = settings_for(merchant)
    if not rules.referral_allowed(
        created_by_referral=created_by_referral,
        has_orders=Order.objects.for_merchant(merchant).filter(member=member).exists(),
        registered_at=member.created_at,
        at=at,
        window_minutes=settings.referral_new_member_minutes,
    ):
        raise ReferralRefused(
            _("You are already a member of %(merchant)s, so this referral code changes nothing: "
              "referral codes are for new members.") % {"merchant": merchant.name}
        )
    referral = referrals.create(
        merchant=merchant,
        member=member,
        referrer_store=referrer_store,
        referrer_staff=referrer_staff,
        referrer_member=referrer_member,
        channel=channel[:100],
    )
    awards = rules.evaluate(
        _person_facts(rules.EventKind.MEMBER_REGISTERED_VIA_REFERRAL, merchant, at, member),
        _rule_offers(merchant, settings, Offer.Event.REFERRAL_REGISTRATION),
        stacking=settings.stacking,
    )
    if any(award.points > 0 for award in awards):
        account = account_lock(
            merchant=merchant, store=referrer_store, staff=referrer_staff, member=referrer_member
        )
        _award_points_to(
            account, awards, source=Source.REFERRAL_REGISTRATION, key_prefix=f"referral:{member.pk}", at=at
        )
    return referral


def _person_event_award(*, merchant, member, at, kind, event, source: str, key_format: str) -> list[Entry]:
    """Points for a member's own event (app installed, birthday) from the merchant's offers for it."""
    settings = settings_for(merchant)
    awards = rules.evaluate(
        _person_facts(kind, merchant, at, member), _rule_offers(merchant, settings, event), stacking=settings.stacking
    )
    if not any(award.points > 0 for award in awards):
        return []
    account = account_lock(merchant=merchant, member=member)
    return _award_points_to(account, awards, source=source, key_prefix=key_format.format(account=account.pk), at=at)


@transaction.atomic
def app_install_award(*, merchant, member, at=None) -> list[Entry]:
    """The "app installed" offers, once per member."""
    return _person_event_award(
        merchant=merchant, member=member, at=at or timezone.now(), kind=rules.EventKind.APP_INSTALLED,
        event=Offer.Event.APP_INSTALLED, source=Source.APP_INSTALLED, key_format="app-installed:{account}",
    )


@transaction.atomic
def birthday_award(*, merchant, member, at=None) -> list[Entry]:
    """The "birthday" offers on the member's birthday (merchant's local day), once a year."""
    at = at or timezone.now()
    day = rules.local_day(at, merchant.tzinfo)
    if member.birthday is None or not rules.is_birthday(day, member.birthday):
        return []
    return _person_event_award(
        merchant=merchant, member=member, at=at, kind=rules.EventKind.BIRTHDAY,
        event=Offer.Event.BIRTHDAY, source=Source.BIRTHDAY, key_format="birthday:{account}:" + str(day.year),
    )
