"""The signed-in shopper's list page (the answer of every link open) is served from a shell rendered
once and filled per request (storefront/page_shell.py): what each shopper gets is still the
templates' own page with their CSRF token, cart, path and messages."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from omo.tenancy.scoping import merchant_scope
from recommendations import cards
from recommendations.models import RecommendationItem
from storefront import page_shell
from tests.factories import LinkFactory, ProductFactory, UserFactory, VariationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(merchant):
    link = LinkFactory(merchant=merchant)
    for position, name in enumerate(["Linen Shirt", "Oolong Tea"]):
        variation = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name=name))
        RecommendationItem.objects.for_merchant(merchant).create(
            merchant=merchant, link=link, variation=variation, position=position
        )
    return link


def _open_path(link, query=""):
    return reverse("storefront:open", kwargs={"merchant": "acme", "token": link.token}) + query


def _full_render(response, link, cart_count):
    """The page as the templates render it for the request that got `response`."""
    request = response.wsgi_request
    with translation.override(request.LANGUAGE_CODE), merchant_scope(link.merchant):
        card = cards.card_get(merchant=link.merchant, token=link.token, language=request.LANGUAGE_CODE)
        return render_to_string(page_shell.TEMPLATE, {"card_html": card.html, "cart_count": cart_count},
                                request=request)


def _tokens_masked(page):
    """The page with its CSRF tokens replaced (each rendering masks the token anew)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="…"', page)


def _csrf_token(page):
    return re.search(r'form="cart-add" name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_each_shopper_gets_the_templates_page_with_their_own_token_cart_path_and_language(client, merchant, link):
    first, second = Client(), Client(HTTP_ACCEPT_LANGUAGE="zh-hant")
    first.force_login(UserFactory())
    second.force_login(UserFactory())
    variation = RecommendationItem.objects.for_merchant(merchant).first().variation
    second.post(reverse("storefront:cart_add", kwargs={"merchant": "acme"}), {"variation": variation.pk, "quantity": 2})
    second.get(_open_path(link))  # the "added" message is shown (in full) and gone

    pages = [first.get(_open_path(link)), second.get(_open_path(link)), first.get(_open_path(link, "?from=<sms>&x=1"))]

    for response, count in zip(pages, (0, 2, 0)):
        assert response.status_code == 200
        page = response.content.decode()
        assert _tokens_masked(page) == _tokens_masked(_full_render(response, link, count))
        assert page.count("csrfmiddlewaretoken") == 4
    assert _csrf_token(pages[0].content.decode()) != _csrf_token(pages[1].content.decode())
    assert "(2)" in pages[1].content.decode() and "(2)" not in pages[0].content.decode()
    assert 'lang="zh-hant"' in pages[1].content.decode() and 'lang="en"' in pages[0].content.decode()
    assert f'name="next" type="hidden" value="/m/acme/l/{link.token}/?from=%3Csms%3E&amp;x=1"' in pages[2].content.decode()


def test_add_to_cart_with_the_pages_csrf_token_then_the_message_and_the_count(merchant, link):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    page = client.get(_open_path(link)).content.decode()
    variation = RecommendationItem.objects.for_merchant(merchant).get(position=1).variation

    response = client.post(reverse("storefront:cart_add", kwargs={"merchant": "acme"}),
                           {"variation": variation.pk, "csrfmiddlewaretoken": _csrf_token(page),
                            "next": reverse("storefront:recommended", kwargs={"merchant": "acme", "token": link.token})},
                           follow=True)

    shown = response.content.decode()
    assert response.status_code == 200 and "Added “Oolong Tea" in shown and "(1)" in shown
    again = client.get(_open_path(link)).content.decode()
    assert "Added “" not in again and "(1)" in again


def test_a_renamed_shop_shows_its_new_name_at_the_next_open(client, merchant, link):
    client.force_login(UserFactory())
    assert ">Acme Taiwan</a>" in client.get(_open_path(link)).content.decode()
    merchant.name = "Acme Taipei"
    merchant.save()
    assert ">Acme Taipei</a>" in client.get(_open_path(link)).content.decode()


def test_a_template_showing_one_shoppers_data_on_the_shared_shell_fails_loudly(client, link, settings, tmp_path):
    (tmp_path / "storefront").mkdir()
    (tmp_path / "storefront" / "recommended.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ user.email }}{{ card_html }}{% endblock %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    client.force_login(UserFactory())
    with pytest.raises(page_shell.ShellError):
        client.get(_open_path(link))
