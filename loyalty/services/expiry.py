"""Points expiry (issue 17 item 7): expire what is left of each earning N months after it was
earned, oldest first, and tell consenting members ahead of time.

Expiry writes EXPIRE entries through the ledger's one write path (`_post`) under the account's
row lock, so an expiry and a redemption at the same moment are serialised: whichever comes
second sees the other's balance, and the balance never goes negative. One entry per expired
lot, keyed by the lot's entry ("expire:lot:<id>"): a second run, or two workers at once, write
nothing more. Entries are never edited.
"""

import logging

from django.conf import settings as django_settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from omo.integrations import sms

from .. import expiry as rules
from .. import expiry_selectors
from ..models import ExpiryNotice, PointsAccount
from .ledger import Entry, Kind, Source, _post

logger = logging.getLogger(__name__)

OPT_OUT_SALT = "loyalty.points-notices.stop"


@transaction.atomic
def account_points_expire(*, merchant, account_id: int, now=None) -> list[Entry]:
    """Expire the account's lots whose time has come (locked; idempotent by lot)."""
    now = now or timezone.now()
    months = expiry_selectors.expiry_settings(merchant).points_expire_months
    if not months:
        return []
    account = PointsAccount.objects.for_merchant(merchant).select_for_update().get(pk=account_id)
    lots = expiry_selectors.account_open_lots(merchant=merchant, account_id=account.pk, months=months)
    written = []
    for lot in rules.due_lots(lots, now=now):
        points = min(lot.remaining, account.balance)
        if points <= 0:
            break
        local_day = timezone.localtime(lot.earned_at, merchant.tzinfo).date()
        entry = _post(
            account,
            kind=Kind.EXPIRE,
            points=-points,
            source=Source.EXPIRY,
            key=f"expire:lot:{lot.entry_id}",
            at=now,
            description=_("Points earned on %(day)s expired") % {"day": local_day.isoformat()},
        )
        if entry:
            written.append(entry)
    return written


def merchant_points_expire(*, merchant, now=None) -> int:
    """Expire every due lot of the merchant's accounts; one transaction per account."""
    now = now or timezone.now()
    return sum(
        len(account_points_expire(merchant=merchant, account_id=account_id, now=now))
        for account_id in expiry_selectors.expiring_account_ids(merchant=merchant, now=now)
    )


def notices_opt_out_token(member) -> str:
    return signing.dumps({"merchant": member.merchant_id, "member": member.pk}, salt=OPT_OUT_SALT)


def notices_opt_out_member_id(*, merchant, token: str) -> int | None:
    """The member a stop link names, if the link is genuine and for this merchant."""
    try:
        data = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    return data.get("member") if data.get("merchant") == merchant.pk else None


def _notice_text(*, merchant, member, points: int, day) -> str:
    stop_url = django_settings.SITE_URL.rstrip("/") + reverse(
        "loyalty:notices_stop", kwargs={"merchant": merchant.slug, "token": notices_opt_out_token(member)}
    )
    text = ngettext(
        "%(merchant)s: %(points)s point of yours expires on %(day)s. Use it before then.",
        "%(merchant)s: %(points)s points of yours expire on %(day)s. Use them before then.",
        points,
    ) % {"merchant": merchant.name, "points": points, "day": formats.date_format(day, "SHORT_DATE_FORMAT")}
    return text + " " + _("No more notices: %(url)s") % {"url": stop_url}


def expiry_notices_send(*, merchant, now=None) -> int:
    """Tell each consenting member about points that expire within the notice days: once per
    batch (account and expiry day), by text when they have a phone, else by email."""
    now = now or timezone.now()
    sent = 0
    backend = None
    for account, day, points in expiry_selectors.notices_due(merchant=merchant, now=now):
        member = account.member
        channel = "sms" if member.phone else "email"
        try:
            with transaction.atomic():  # the notice row goes only if the message went
                ExpiryNotice.objects.for_merchant(merchant).create(
                    merchant=merchant, account=account, expires_on=day, points=points, channel=channel, sent_at=now
                )
                with translation.override(django_settings.LANGUAGE_CODE):
                    text = _notice_text(merchant=merchant, member=member, points=points, day=day)
                if channel == "sms":
                    backend = backend or sms.get_backend()
                    sms.send_with(backend, to=member.phone, body=text)
                else:
                    send_mail(_("Your points expire soon"), text, None, [member.email])
        except IntegrityError:
            continue  # another run sent this batch's notice
        except (sms.SmsError, OSError):
            logger.warning("Expiry notice to member %s failed; the next run tries again.", member.pk)
            continue
        sent += 1
    return sent
