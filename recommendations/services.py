"""Writes on recommendation links: creating and sharing them, recording shopper clicks."""

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from loyalty import services as loyalty_services
from members.selectors import member_language
from members.services import member_for_user
from members.models import Member
from omo.integrations.sms import SmsError, log_safe_text, send_sms
from omo.tenancy.models import Merchant
from omo.tenancy.tasks import task_enqueue_on_commit

from . import ratelimit
from .models import LinkClick, RecommendationItem, RecommendationLink, SmsOutbox

logger = logging.getLogger(__name__)

PENDING_CLICKS_KEY = "omo_pending_clicks"
MAX_PENDING_CLICKS = 20


class SmsRateLimited(Exception):
    """Too many texts for this member or store just now; the message says which."""


@transaction.atomic
def link_create(*, merchant, staff, member, variations) -> RecommendationLink:
    """A never-expiring link bound to the merchant, the staff's store, the staff, the member and items."""
    variations = list(dict.fromkeys(variations))
    if not variations:
        raise ValidationError(_("Select at least one product to share."))
    if staff.merchant_id != merchant.pk or member.merchant_id != merchant.pk:
        raise ValidationError(_("Staff and member must belong to this merchant."))
    if any(v.merchant_id != merchant.pk for v in variations):
        raise ValidationError(_("These products are not in this merchant's catalogue."))
    if staff.store is None or not staff.is_employed or not staff.store.is_active:
        raise ValidationError(_("Only staff of an open store can share recommendations."))
    link = RecommendationLink.objects.for_merchant(merchant).create(
        merchant=merchant, store=staff.store, staff=staff, member=member
    )
    RecommendationItem.objects.for_merchant(merchant).bulk_create(
        [
            RecommendationItem(merchant=merchant, link=link, variation=variation, position=position)
            for position, variation in enumerate(variations)
        ]
    )
    # Sharing through this button (and only this) earns the sharer share points, capped per day.
    loyalty_services.share_points_award(merchant=merchant, staff_or_member=staff, link_id=link.pk)
    # The shopper's first open finds the link's card ready (recommendations/cards.py).
    task_enqueue_on_commit("recommendations.cards_build", merchant.pk, [link.pk])
    return link


def device_of(user_agent: str) -> str:
    ua = (user_agent or "").lower()
    if "ipad" in ua or "tablet" in ua:
        return "tablet"
    if "mobi" in ua or "iphone" in ua or "android" in ua:
        return "phone"
    return "computer" if ua else ""


def click_record(*, merchant, link, user, clicked_at: datetime | None = None, user_agent: str = "") -> LinkClick:
    """A logged-in shopper opened the link: the click belongs to the clicking account's member."""
    if link.merchant_id != merchant.pk:
        raise ValidationError("link of another merchant")
    click = LinkClick(
        merchant=merchant,
        link=link,
        user=user,
        clicked_at=clicked_at or timezone.now(),
        device=device_of(user_agent),
        user_agent=(user_agent or "")[:400],
    )
    if not _click_insert_for_member_of(click):
        # The shopper's first visit to this merchant: find or create the member, then the click.
        click.member = member_for_user(merchant=merchant, user=user)
        click.save(force_insert=True)
    return click


# The click's own transaction commits without waiting for its WAL flush (PostgreSQL's
# asynchronous commit; settings.CLICKS_ASYNCHRONOUS_COMMIT): the click is visible to every other
# transaction at once, and only a database crash in the next fraction of a second (at most three
# times wal_writer_delay, 0.6 s by default) can lose it, as it loses requests in flight. The flush
# was the larger part of a link open's time (bench/link_open.py). Set in the statement itself, for
# its own single-statement transaction: never for a transaction that writes anything else.
_ASYNCHRONOUS_COMMIT = "WITH asynchronous_commit AS (SELECT set_config('synchronous_commit', 'off', true)) "


def _click_insert_for_member_of(click: LinkClick) -> bool:
    """Insert `click` for the member its user already has at the merchant, looked up in the same
    statement (INSERT ... SELECT): every open of a link is one round trip to the database, in
    autocommit. False, and nothing written, when the user has no member there yet."""
    quote = connection.ops.quote_name
    columns = ["merchant_id", "link_id", "user_id", "clicked_at", "device", "user_agent"]
    # In the order of `columns`: ids and text go as they are, the time as the backend stores it.
    clicked_at = LinkClick._meta.get_field("clicked_at").get_db_prep_save(click.clicked_at, connection)
    values = [click.merchant_id, click.link_id, click.user_id, clicked_at, click.device, click.user_agent]
    asynchronous = (settings.CLICKS_ASYNCHRONOUS_COMMIT and connection.vendor == "postgresql"
                    and connection.get_autocommit())
    sql = (
        f"{_ASYNCHRONOUS_COMMIT if asynchronous else ''}"
        f"INSERT INTO {quote(LinkClick._meta.db_table)} ({', '.join(map(quote, columns))}, {quote('member_id')}) "
        f"SELECT {', '.join(['%s'] * len(columns))}, m.{quote('id')} FROM {quote(Member._meta.db_table)} m"
        f"{', asynchronous_commit' if asynchronous else ''} "
        f"WHERE m.{quote('merchant_id')} = %s AND m.{quote('user_id')} = %s RETURNING {quote('id')}, {quote('member_id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, click.merchant_id, click.user_id])
        row = cursor.fetchone()
    if row is None:
        return False
    click.pk, click.member_id = row
    click._state.adding = False
    return True


def pending_click_add(session, *, link, user_agent: str = "") -> None:
    """Remember a click made before login; `pending_clicks_record` joins it to the account."""
    pending = session.get(PENDING_CLICKS_KEY, [])
    pending.append(
        {"merchant": link.merchant_id, "token": link.token, "at": timezone.now().isoformat(), "ua": user_agent[:400]}
    )
    session[PENDING_CLICKS_KEY] = pending[-MAX_PENDING_CLICKS:]


def pending_clicks_record(session, *, user) -> list[LinkClick]:
    """At login: record the clicks kept in the session for this account, at their original time."""
    pending = session.pop(PENDING_CLICKS_KEY, [])
    clicks = []
    for entry in pending:
        merchant = Merchant.objects.filter(pk=entry.get("merchant")).first()
        if merchant is None:
            continue
        link = RecommendationLink.objects.for_merchant(merchant).filter(token=entry.get("token")).first()
        if link is None:
            continue
        clicked_at = datetime.fromisoformat(entry["at"])
        clicks.append(
            click_record(merchant=merchant, link=link, user=user, clicked_at=clicked_at, user_agent=entry.get("ua", ""))
        )
    return clicks


def link_sms_text(*, link, url: str) -> str:
    """The exact text the member receives (shown to staff before sending), in the member's language
    (Member.language, else the merchant's), whatever language the staff's screen is in."""
    with translation.override(member_language(link.member)):
        return _("%(merchant)s: %(staff)s at %(store)s picked products for you. See them and order here: %(url)s") % {
            "merchant": link.merchant.name,
            "staff": link.staff.display_name,
            "store": link.store.name,
            "url": url,
        }


def _rate_check(link) -> None:
    window = settings.SMS_RATE_WINDOW
    member_key, store_key = f"sms:member:{link.member_id}", f"sms:store:{link.store_id}"
    if not ratelimit.hit(member_key, limit=settings.SMS_RATE_PER_MEMBER, window=window):
        ratelimit.undo(member_key, window=window)
        raise SmsRateLimited(
            _("This member has already been sent %(n)d texts in the last hour. Show the QR code or copy the link instead.")
            % {"n": settings.SMS_RATE_PER_MEMBER}
        )
    if not ratelimit.hit(store_key, limit=settings.SMS_RATE_PER_STORE, window=window):
        ratelimit.undo(store_key, window=window)
        ratelimit.undo(member_key, window=window)
        raise SmsRateLimited(
            _("This store has reached its limit of %(n)d texts per hour. Show the QR code or copy the link instead.")
            % {"n": settings.SMS_RATE_PER_STORE}
        )


@transaction.atomic
def link_sms_send(*, merchant, link, staff, url: str) -> SmsOutbox:
    """Queue the link's text to the member's phone (outbox row now, delivery after commit).

    Raises ValidationError when the member has no phone, SmsRateLimited over the limits.
    """
    if link.merchant_id != merchant.pk:
        raise ValidationError("link of another merchant")
    if not link.member.phone:
        raise ValidationError(_("This member has no phone number."))
    _rate_check(link)
    outbox = SmsOutbox.objects.for_merchant(merchant).create(
        merchant=merchant,
        link=link,
        member=link.member,
        store=link.store,
        staff=staff,
        to=link.member.phone,
        body=link_sms_text(link=link, url=url),
    )
    task_enqueue_on_commit("recommendations.sms_deliver", merchant.pk, outbox.pk)
    return outbox


def sms_undelivered_ids(*, merchant, older_than, limit: int = 1000) -> list[int]:
    """Texts still queued since before `older_than`: their delivery task was lost (e.g. Redis was
    restored or flushed). Delivery is once per row, so queuing one again never sends twice."""
    return list(
        SmsOutbox.objects.for_merchant(merchant)
        .filter(status=SmsOutbox.Status.QUEUED, created_at__lte=older_than)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def sms_deliver(*, merchant_id, outbox_id) -> SmsOutbox:
    """Hand a queued message to the SMS backend once (a message already sent or failed is left)."""
    outbox = SmsOutbox.objects.for_merchant(merchant_id).select_for_update().get(pk=outbox_id)
    if outbox.status != SmsOutbox.Status.QUEUED:
        return outbox
    try:
        outbox.provider_id = send_sms(to=outbox.to, body=outbox.body)
    except SmsError as exc:
        logger.warning("SMS %s failed: %s", outbox.pk, log_safe_text(str(exc)))
        outbox.status, outbox.error = SmsOutbox.Status.FAILED, str(exc)[:400]
    else:
        outbox.status, outbox.sent_at = SmsOutbox.Status.SENT, timezone.now()
    outbox.save(update_fields=["provider_id", "status", "error", "sent_at"])
    return outbox
