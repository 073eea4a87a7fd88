"""Pure rules of the partner program's guards (no Django): which link opens are clicks, which
orders are the partner's own, and which remembered referral still credits.

    >>> is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)")
    True
    >>> self_order_reason(Contact(emails={"kim@x.io"}), Contact(emails={"KIM@x.io"}))
    'self_order'
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Crawlers, link unfurlers (chat apps fetch a link to preview it) and scripts: not a person's open.
_BOT = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|quora link|whatsapp|telegram|skype|"
    r"curl|wget|python-requests|python-urllib|httpx|aiohttp|go-http-client|java/|okhttp|libwww|"
    r"headless|phantomjs|lighthouse|pingdom|uptime|monitor|scan|fetch",
    re.IGNORECASE,
)
# Repeated opens by one visitor within this window are one click.
CLICK_WINDOW = timedelta(minutes=30)
SELF_ORDER = "self_order"


def is_bot(user_agent: str) -> bool:
    """A crawler, unfurler or script by its User-Agent; no User-Agent at all is not a browser either."""
    user_agent = (user_agent or "").strip()
    return not user_agent or bool(_BOT.search(user_agent))


def click_counts(*, last_counted: datetime | None, now: datetime) -> bool:
    """A person's open counts unless the same visitor's last counted click is under 30 minutes old."""
    return last_counted is None or now - last_counted >= CLICK_WINDOW


@dataclass(frozen=True)
class Contact:
    """Who someone is by their contacts: e-mails (any case) and E.164 phones, and an account id."""

    emails: frozenset[str] = field(default_factory=frozenset)
    phones: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "emails", frozenset(e.strip().lower() for e in self.emails if e and e.strip()))
        object.__setattr__(self, "phones", frozenset(p.strip() for p in self.phones if p and p.strip()))


def self_order_reason(orderer: Contact, partner: Contact) -> str:
    """`SELF_ORDER` when the orderer is the partner: the same account, or one of the partner's
    verified e-mails or phones (`partner` holds only verified ones); "" otherwise."""
    if orderer.user_id is not None and orderer.user_id == partner.user_id:
        return SELF_ORDER
    if orderer.emails & partner.emails or orderer.phones & partner.phones:
        return SELF_ORDER
    return ""


def referral_valid(*, clicked_at: datetime, now: datetime, lifetime_days: int) -> bool:
    """A remembered click credits the campaign within its link lifetime (and not from the future)."""
    return clicked_at <= now + timedelta(minutes=5) and now - clicked_at <= timedelta(days=lifetime_days)


def cookie_value(code: str, clicked_at: datetime) -> str:
    return f"{code}:{int(clicked_at.timestamp())}"


def cookie_parse(value: str) -> tuple[str, int] | None:
    """(code, unix time) from a referral cookie's (already verified) value, or None."""
    code, _sep, stamp = (value or "").partition(":")
    if not code or not stamp.isdigit():
        return None
    return code, int(stamp)
