"""The walk: every role (staff, manager, admin, shopper, partner) at phone (390x844) and tablet
(1024x768, 820x1180 portrait) sizes, in English and Traditional Chinese, in headless Debian Chromium.

On every page: no answer of 500 or more (page, fragment or file), nothing wider than the screen at
390 px, no serious or critical axe-core violation (axe-playwright-python; every form field labelled
is axe's `label` rule). Beside the pages: one SMS per double tap on *Send text*, the branded 404 of a
dead link in the visitor's language, a 403 page for a role-limited page, and keyboard focus that
moves forward through the page in order.

One browser and one seeded merchant for the whole walk (a few minutes at most). A screenshot per
step goes to test-artifacts/walk/<role>/ (git-ignored; the README shows a few, copied to
docs/screenshots/).
"""

import os
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress

from tests.browser import ARTIFACTS, MARKS, signed_in_page
from tests.factories import LinkFactory, MemberFactory, ProductFactory, StaffFactory, UserFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

pytestmark = [*MARKS, pytest.mark.django_db(transaction=True)]

SIZES = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 1024, "height": 768},
    "portrait": {"width": 820, "height": 1180},
}
# Each role at each size, each size in both languages over the walk (phone in both).
RUNS = [("phone", "en"), ("phone", "zh-hant"), ("tablet", "en"), ("portrait", "zh-hant")]
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
LONG_NAME = ("Lin Mei-Ling of the Taipei 101 flagship loyalty programme, premium tier, "
             "registered at the Xinyi district pop-up store counter")[:120]
LONG_SEARCH = ("0912 345 678 " * 30)[:300]
SERIOUS = ("serious", "critical")
WALK = ARTIFACTS / "walk"


@pytest.fixture
def world(merchant, store, staff):
    manager = StaffFactory(merchant=merchant, store=store, role="manager", display_name="Ben")
    admin = StaffFactory(merchant=merchant, store=store, role="admin", display_name="Cleo")
    member = MemberFactory(merchant=merchant, name=LONG_NAME, registered_store=store, phone="+886912345678")
    tea = VariationFactory(
        merchant=merchant, product=ProductFactory(merchant=merchant, name="Oolong Tea " + "x" * 110), sku="TEA-OO",
        price=Decimal("320"),
    )
    link = LinkFactory(merchant=merchant, staff=staff, member=member)
    link.items.model.objects.for_merchant(merchant).create(merchant=merchant, link=link, variation=tea, position=0)
    shopper = UserFactory(email="shopper@example.com")
    MemberFactory(merchant=merchant, name="Wang Shopper", email=shopper.email, user=shopper)
    partner = make_partner(email="kol@example.com", name="Kim")
    EmailAddress.objects.create(user=partner.user, email="kol@example.com", verified=True, primary=True)
    campaign = make_campaign(merchant, name="Spring live " + "y" * 100)
    bind(merchant, campaign, partner)
    for number in ("A-1001", "A-1002"):  # the partner's order details: a wide table on a phone
        referred_order(merchant, campaign, number=number, member=member, lines=[line(tea, 2, "320.00")],
                       paid_amount=Decimal("640"))
    return {"staff": staff, "manager": manager, "admin": admin, "member": member, "link": link,
            "shopper": shopper, "partner": partner, "campaign": campaign}


def steps_of(role, w):
    m = "/m/acme"
    member, link, campaign = w["member"], w["link"], w["campaign"]
    return {
        "staff": [
            ("search-long-text", f"{m}/staff/?q={LONG_SEARCH}"),
            ("member", f"{m}/staff/members/{member.pk}/"),
            ("recommend", f"{m}/staff/members/{member.pk}/recommend/?q=oolong"),
            ("share", f"{m}/staff/links/{link.pk}/"),
            ("role-limited-403", f"{m}/reports/export/"),
        ],
        "manager": [
            ("our-members", f"{m}/staff/members/store/"),
            ("performance", f"{m}/reports/performance/"),
            ("points-for-cash", f"{m}/loyalty/cash/"),
        ],
        "admin": [
            ("export", f"{m}/reports/export/"),
            ("campaigns", f"{m}/campaigns/"),
            ("campaign", f"{m}/campaigns/{campaign.pk}/"),
            ("offers", f"{m}/loyalty/offers/"),
            ("offer-form", f"{m}/loyalty/offers/new/"),
            ("settings", f"{m}/settings/attribution/"),
        ],
        "shopper": [
            ("recommended", f"{m}/l/{link.token}/"),
            ("shop", f"{m}/shop/"),
            ("cart", f"{m}/shop/cart/"),
            ("dead-link-404", f"{m}/l/no-such-link-token/"),
        ],
        "partner": [
            ("portal", f"/partners/acme/campaigns/{campaign.code}/"),
            ("rules", f"/partners/acme/campaigns/{campaign.code}/rules/"),
            ("campaigns", "/partners/acme/"),
        ],
        "visitor": [
            ("partner-signup", "/partners/signup/"),
            ("unknown-invitation-404", "/partners/invite/no-such-invitation/"),
        ],
    }[role]


class Walk:
    def __init__(self, browser, base):
        from axe_playwright_python.sync_playwright import Axe

        self.browser, self.base, self.axe = browser, base, Axe()
        self.problems: list[str] = []
        self.errors: list[str] = []

    def context(self, size, lang):
        return self.browser.new_context(
            viewport=SIZES[size], locale="zh-TW" if lang == "zh-hant" else "en-US",
            extra_http_headers={"Accept-Language": "zh-Hant" if lang == "zh-hant" else "en"},
            is_mobile=size == "phone", has_touch=True, user_agent=PHONE_UA if size == "phone" else None,
        )

    def watch(self, page):
        page.set_default_timeout(15000)
        page.on("response", lambda r: r.status >= 500 and self.errors.append(f"{r.status} {r.url}"))

    def check(self, page, where: str, size: str):
        if size == "phone":
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
                    .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                    .filter(el => { for (let p = el.parentElement; p; p = p.parentElement) {
                        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false; } return true; })
                    .slice(0, 3).map(el => el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 30))""")
                self.problems.append(f"{where}: {overflow}px wider than the 390 px screen: {wide}")
        results = self.axe.run(page, options={"resultTypes": ["violations"]})
        for violation in results.response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.problems.append(f"{where}: axe {violation['impact']} {violation['id']}: {violation['help']} {targets}")
        path = WALK / f"{where}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)


def tab_order(page, presses=8):
    """Where the focus goes on each Tab from the top of the page: every stop visible and after the
    one before in the page (no jumps back), up to the last control."""
    page.evaluate("window.__stops = [document.querySelector('a[href]')]; window.__stops[0].focus()")
    tabbable = page.evaluate(
        "document.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), "
        "select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])').length"
    )
    stops = []
    for _ in range(min(presses, tabbable - 1)):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("""() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            window.__stops = window.__stops.concat([el]);
            const prev = window.__stops.length > 1 ? window.__stops[window.__stops.length - 2] : null;
            return {tag: el.tagName, visible: box.width > 0 && box.height > 0,
                    forward: !prev || !!(prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)};
        }"""))
    return stops


def test_every_role_walks_at_phone_and_tablet_size_in_english_and_chinese(live_server, chromium, world, merchant):
    from recommendations.models import SmsOutbox

    walk = Walk(chromium, live_server.url)
    users = {"staff": world["staff"].user, "manager": world["manager"].user, "admin": world["admin"].user,
             "shopper": world["shopper"], "partner": world["partner"].user, "visitor": None}
    only = [r for r in os.environ.get("WALK_ROLES", "").split(",") if r]  # to walk one role while fixing it
    for role, user in users.items():
        if only and role not in only:
            continue
        for size, lang in RUNS:
            context = walk.context(size, lang)
            page = signed_in_page(context, live_server, user) if user else context.new_page()
            walk.watch(page)
            for number, (step, path) in enumerate(steps_of(role, world), start=1):
                where = f"{role}/{size}-{lang}-{number:02d}-{step}"
                response = page.goto(live_server.url + path)
                if step.endswith("-404"):
                    assert response.status == 404, where
                    error = page.locator("[data-testid=error-page]")
                    assert error.get_attribute("data-status") == "404"
                    assert page.get_attribute("html", "lang") == lang, where
                    if step == "dead-link-404":
                        assert "Acme Taiwan" in page.inner_text("header"), where  # branded
                        assert page.locator(".error-actions a[href='/m/acme/shop/']").count() == 1
                elif step.endswith("-403"):
                    assert response.status == 403, where
                    assert page.locator("[data-testid=error-page][data-kind=forbidden]").count() == 1
                else:
                    assert response.status == 200, f"{where}: {response.status}"
                    if role in ("staff", "manager", "admin", "partner"):
                        assert page.locator("[data-testid=app-menu] [aria-current=page]").count() >= (
                            0 if step in ("recommended", "rules") else 1), where
                walk.check(page, where, size)

                if role == "staff" and step == "share" and (size, lang) == ("phone", "en"):
                    before = SmsOutbox.objects.for_merchant(merchant).count()
                    page.dblclick("form[action$='/sms/'] button[type=submit]")
                    page.wait_for_selector("[data-testid=sms-sent]")
                    page.wait_for_timeout(500)  # a second send, if any, would have landed by now
                    assert SmsOutbox.objects.for_merchant(merchant).count() == before + 1
                    walk.check(page, f"{where}-double-tap-sent", size)
                if role == "staff" and step == "search-long-text" and size == "tablet":
                    stops = tab_order(page)
                    assert stops and all(s["visible"] and s["forward"] for s in stops), stops
            context.close()

    assert walk.errors == [], "answers of 500 or more:\n" + "\n".join(walk.errors)
    assert walk.problems == [], "\n".join(walk.problems)
