"""Member events sent from outside (the member-events API): app installed, official account
followed, birthday entered, profile completed and the merchant's own "custom:<name>" events.

Each is kept once per merchant and event id (`MemberEventInbox`): a redelivery finds its row and
awards nothing. The points come from the merchant's offers for the event (Loymax's event + action
+ filters). App install, follow, birthday entered and profile completed earn once per member, how
often they are sent; each custom event (a distinct event id) earns again.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member
from omo.contact import normalize_email, normalize_phone

from .. import offers as rules
from ..models import MemberEventInbox, Offer
from .ledger import Source, _award_points_to, account_lock
from .settings import _rule_offers, settings_for

CUSTOM_PREFIX = "custom:"
# API name -> (engine event, offers' event, ledger source, earns once per member)
EVENTS = {
    "app_install": (rules.EventKind.APP_INSTALLED, Offer.Event.APP_INSTALLED, Source.APP_INSTALLED, True),
    "follow_official_account": (
        rules.EventKind.FOLLOW_OFFICIAL_ACCOUNT, Offer.Event.FOLLOW_OFFICIAL_ACCOUNT,
        Source.FOLLOW_OFFICIAL_ACCOUNT, True,
    ),
    "birthday_set": (rules.EventKind.BIRTHDAY_SET, Offer.Event.BIRTHDAY_SET, Source.BIRTHDAY_SET, True),
    "profile_completed": (
        rules.EventKind.PROFILE_COMPLETED, Offer.Event.PROFILE_COMPLETED, Source.PROFILE_COMPLETED, True,
    ),
}
CUSTOM = (rules.EventKind.CUSTOM, Offer.Event.CUSTOM, Source.CUSTOM_EVENT, False)


class UnknownMember(ValidationError):
    """No member of the merchant has the phone or email the event names."""


@dataclass(frozen=True)
class MemberEventResult:
    event_id: str
    outcome: str  # "recorded" | "duplicate"
    points: int


def member_event_parse(event: str) -> tuple[str, str]:
    """("app_install", "") or ("custom", "<name>"); ValidationError for anything else."""
    if event in EVENTS:
        return event, ""
    if event.startswith(CUSTOM_PREFIX) and event[len(CUSTOM_PREFIX):].strip():
        return "custom", event[len(CUSTOM_PREFIX):].strip()
    raise ValidationError({"event": [_("Unknown event: use one of %(events)s or custom:<name>.")
                                     % {"events": ", ".join(EVENTS)}]})


def _member_find(merchant, *, phone: str, email: str) -> Member:
    phone = normalize_phone(phone, merchant.country) if phone.strip() else ""
    email = normalize_email(email) if email.strip() else ""
    if not (phone or email):
        raise ValidationError({"member": [_("Give the member's phone or email.")]})
    members = Member.objects.for_merchant(merchant)
    member = (phone and members.filter(phone=phone).first()) or (email and members.filter(email=email).first())
    if not member:
        raise UnknownMember({"member": [_("No member has this phone or email.")]})
    return member


@transaction.atomic
def member_event_record(*, merchant, event_id: str, event: str, phone: str = "", email: str = "",
                        at=None) -> MemberEventResult:
    """Record one member event and award the offers for it, once per event id."""
    name, custom_name = member_event_parse(event)
    member = _member_find(merchant, phone=phone, email=email)
    at = at or timezone.now()
    inbox = MemberEventInbox.objects.for_merchant(merchant)
    try:
        with transaction.atomic():
            row = inbox.create(merchant=merchant, event_id=event_id, event=event, member=member, received_at=at)
    except IntegrityError:  # a redelivery (or the same event sent twice at once)
        return MemberEventResult(event_id, "duplicate", 0)
    kind, offer_event, source, once_per_member = EVENTS.get(name, CUSTOM)
    settings = settings_for(merchant)
    facts = rules.EventFacts(
        kind=kind, local_date=rules.local_day(at, merchant.tzinfo), member_birthday=member.birthday,
        custom_name=custom_name,
    )
    awards = [a for a in rules.evaluate(facts, _rule_offers(merchant, settings, offer_event),
                                        stacking=settings.stacking) if a.points > 0]
    points = 0
    if awards:
        account = account_lock(merchant=merchant, member=member)
        if name == "app_install":
            prefix = f"app-installed:{account.pk}"  # the key `app_install_award` uses: once per member
        elif once_per_member:
            prefix = f"{name}:{account.pk}"
        else:
            prefix = f"member-event:{row.pk}"
        entries = _award_points_to(account, awards, source=source, key_prefix=prefix, at=at)
        points = sum(entry.points for entry in entries)
    row.points = points
    row.save(update_fields=["points"])
    return MemberEventResult(event_id, "recorded", points)
