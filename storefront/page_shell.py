"""The signed-in shopper's recommended list page, from a shell rendered once per process, merchant,
language and cart state, filled per request.

Rendering storefront/recommended.html in base.html (url and static tags, includes, blocks) cost more
than the rest of a link open together (bench/link_open.py). Of that page only four things depend
on the request: the CSRF token, the current path (the language form's `next`), the cart count and
the link's card (itself prebuilt: recommendations/cards.py). The shell is the same templates
rendered with a marker in place of each, and a request's page is the shell with the markers
replaced in one pass (nothing inserted is searched again), so the HTML is the templates' own.

The shell is rendered without the request: the templates see only the context built here, where
`user` and `request` are stand-ins that raise on anything but what the shell fills or keys on, so a
template edit that puts one person's data on this page fails loudly (tests/recommendations)
instead of showing it to other shoppers. A page with messages to show, or a staff member's page
(the staff menu), is rendered in full as before.
"""

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

TEMPLATE = "storefront/recommended.html"
SHELLS_MAX = 1000

_nonce = secrets.token_hex(8)  # per process: a request's path or card cannot spell a marker
CSRF, PATH, COUNT, CARD = (f"omoshell{_nonce}{name}" for name in ("csrf", "path", "count", "card"))
_MARKERS = re.compile(f"({CSRF}|{PATH}|{COUNT}|{CARD})")
_shells: dict[tuple, list[str]] = {}


class ShellError(Exception):
    """A template of the shell read something that differs between shoppers."""


class _StandIn:
    _what = ""

    def __getattr__(self, name):
        raise ShellError(f"{TEMPLATE} reads {self._what}.{name}: the page shell is shared by shoppers "
                         f"(storefront/page_shell.py); render it per request or add it to the shell's key")


class _ShopperStandIn(_StandIn):
    _what = "user"
    is_authenticated = True


class _RequestStandIn(_StandIn):
    _what = "request"
    staff = None

    def __init__(self, merchant):
        self.merchant = merchant

    def get_full_path(self):
        return PATH


@receiver(setting_changed, dispatch_uid="storefront.page_shell.forget")
def _forget(**kwargs):
    _shells.clear()


def _merchant_state(merchant) -> str:
    """Every loaded field of the merchant (lists and dicts among them): an edit (name, slug...) keys
    a new shell."""
    return repr([merchant.__dict__.get(field.attname) for field in merchant._meta.concrete_fields])


def _shell(merchant, with_count: bool) -> list[str]:
    """The page's text split at the markers: even items text, odd items markers."""
    key = (get_language(), get_script_prefix(), with_count, _merchant_state(merchant))
    pieces = _shells.get(key)
    if pieces is None:
        html = render_to_string(TEMPLATE, {
            "user": _ShopperStandIn(), "request": _RequestStandIn(merchant), "messages": (),
            "csrf_token": CSRF, "cart_count": COUNT if with_count else 0, "card_html": mark_safe(CARD),
        })
        pieces = _MARKERS.split(html)
        if not settings.DEBUG:  # templates reload while developing
            if len(_shells) >= SHELLS_MAX:
                _shells.clear()
            _shells[key] = pieces
    return pieces


def recommended_response(request, *, link, card_html: str, cart_count: int) -> HttpResponse:
    """storefront/recommended.html for the signed-in shopper of `request`: `card_html` is the link's
    prebuilt list."""
    if getattr(request, "staff", None) is not None or messages.get_messages(request) or not request.user.is_authenticated:
        return render(request, TEMPLATE, {"link": link, "card_html": card_html, "cart_count": cart_count})
    values = {
        CSRF: conditional_escape(get_token(request)),
        PATH: conditional_escape(request.get_full_path()),
        COUNT: conditional_escape(str(localize(cart_count))),
        CARD: card_html,
    }
    pieces = list(_shell(request.merchant, cart_count > 0))
    pieces[1::2] = [values[marker] for marker in pieces[1::2]]
    return HttpResponse("".join(pieces))
