from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from omo.integrations import sms
from recommendations import services
from recommendations.models import LinkClick, SmsOutbox
from tests.factories import LinkFactory, MemberFactory, UserFactory, VariationFactory

pytestmark = pytest.mark.django_db




def test_link_create_binds_store_staff_member_and_items(merchant, staff, member):
    a, b = VariationFactory(merchant=merchant), VariationFactory(merchant=merchant)
    link = services.link_create(merchant=merchant, staff=staff, member=member, variations=[b, a, b])
    assert (link.store, link.staff, link.member) == (staff.store, staff, member)
    assert [item.variation for item in link.items.model.objects.for_merchant(merchant).filter(link=link)] == [b, a]
    assert len(link.token) >= 32


def test_link_create_refuses_nothing_selected_and_foreign_products(merchant, other_merchant, staff, member):
    with pytest.raises(ValidationError):
        services.link_create(merchant=merchant, staff=staff, member=member, variations=[])
    with pytest.raises(ValidationError):
        services.link_create(merchant=merchant, staff=staff, member=member, variations=[VariationFactory(merchant=other_merchant)])


def test_resigned_staff_cannot_share(merchant, staff, member):
    staff.resigned_at = timezone.now() - timedelta(days=1)
    with pytest.raises(ValidationError):
        services.link_create(merchant=merchant, staff=staff, member=member, variations=[VariationFactory(merchant=merchant)])


def test_click_belongs_to_the_clicking_accounts_member_not_the_links(merchant):
    link = LinkFactory(merchant=merchant)
    friend = UserFactory(email="friend@example.com")
    click = services.click_record(merchant=merchant, link=link, user=friend, user_agent="Mozilla/5.0 (iPhone) Mobile")
    assert click.member != link.member
    assert click.member.user == friend and click.member.email == "friend@example.com"
    assert click.device == "phone"


def test_clicks_before_login_are_joined_at_login_with_their_time(merchant, client):
    link = LinkFactory(merchant=merchant)
    user = UserFactory()
    response = client.get(f"/m/{merchant.slug}/l/{link.token}/")
    assert response.status_code == 200 and 'data-testid="link-landing"' in response.content.decode()  # sign-in page
    assert not LinkClick.objects.for_merchant(merchant).exists()
    before = timezone.now()
    client.force_login(user)  # fires user_logged_in like every allauth login
    click = LinkClick.objects.for_merchant(merchant).get()
    assert click.user == user and click.link == link and click.clicked_at <= before
    client.force_login(user)
    assert LinkClick.objects.for_merchant(merchant).count() == 1  # joined once


def test_sms_text_names_store_staff_and_link(merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff)
    text = services.link_sms_text(link=link, url="https://x.test/m/acme/l/abc/")
    assert "Amy" in text and "Taipei 101" in text and text.endswith("https://x.test/m/acme/l/abc/")


def test_sms_goes_to_the_outbox_and_the_console_backend(merchant, staff, django_capture_on_commit_callbacks, caplog):
    link = LinkFactory(merchant=merchant, staff=staff)
    with caplog.at_level("INFO", logger="omo.sms"), django_capture_on_commit_callbacks(execute=True):
        outbox = services.link_sms_send(merchant=merchant, link=link, staff=staff, url="https://x.test/l/1/")
    outbox.refresh_from_db()
    assert outbox.status == SmsOutbox.Status.SENT and outbox.to == link.member.phone
    assert outbox.provider_id.startswith("console-")
    # The console log masks the number and never shows the link (its token opens the member's list).
    assert "SMS to ***" in caplog.text
    assert "https://x.test/l/1/" not in caplog.text and link.member.phone not in caplog.text


def test_sms_per_member_rate_limit(merchant, staff, settings, django_capture_on_commit_callbacks):
    settings.SMS_RATE_PER_MEMBER = 2
    link = LinkFactory(merchant=merchant, staff=staff)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            services.link_sms_send(merchant=merchant, link=link, staff=staff, url="u")
    with pytest.raises(services.SmsRateLimited, match="This member"):
        services.link_sms_send(merchant=merchant, link=link, staff=staff, url="u")
    # another member of the same store is still served
    other = LinkFactory(merchant=merchant, staff=staff, member=MemberFactory(merchant=merchant))
    services.link_sms_send(merchant=merchant, link=other, staff=staff, url="u")
    assert SmsOutbox.objects.for_merchant(merchant).count() == 3


def test_sms_per_store_rate_limit(merchant, staff, settings):
    settings.SMS_RATE_PER_STORE = 2
    settings.SMS_RATE_PER_MEMBER = 1
    for _ in range(2):
        link = LinkFactory(merchant=merchant, staff=staff, member=MemberFactory(merchant=merchant))
        services.link_sms_send(merchant=merchant, link=link, staff=staff, url="u")
    link = LinkFactory(merchant=merchant, staff=staff, member=MemberFactory(merchant=merchant))
    with pytest.raises(services.SmsRateLimited, match="This store"):
        services.link_sms_send(merchant=merchant, link=link, staff=staff, url="u")
    # a refusal by the store limit does not use up the member's allowance (limit 1 here)
    settings.SMS_RATE_PER_STORE = 3
    services.link_sms_send(merchant=merchant, link=link, staff=staff, url="u")


def test_sms_needs_a_phone(merchant, staff):
    member = MemberFactory(merchant=merchant, phone="")
    link = LinkFactory(merchant=merchant, staff=staff, member=member)
    with pytest.raises(ValidationError):
        services.link_sms_send(merchant=merchant, link=link, staff=staff, url="u")


def test_twilio_backend_sends_through_the_client(settings):
    settings.TWILIO_FROM_NUMBER = "+15550000000"
    client = mock.Mock()
    client.messages.create.return_value = mock.Mock(sid="SM123")
    assert sms.TwilioBackend(client=client).send(to="+886912345678", body="hi") == "SM123"
    client.messages.create.assert_called_once_with(to="+886912345678", from_="+15550000000", body="hi")


def test_twilio_failure_marks_the_message_failed(merchant, staff, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.recommendations.test_services.FailingBackend"
    link = LinkFactory(merchant=merchant, staff=staff)
    with django_capture_on_commit_callbacks(execute=True):
        outbox = services.link_sms_send(merchant=merchant, link=link, staff=staff, url="u")
    outbox.refresh_from_db()
    assert outbox.status == SmsOutbox.Status.FAILED and "refused" in outbox.error


class FailingBackend(sms.BaseBackend):
    def send(self, *, to, body):
        raise sms.SmsError("refused by provider")


def test_device_of_user_agents():
    assert services.device_of("Mozilla/5.0 (iPad; CPU OS 17)") == "tablet"
    assert services.device_of("Mozilla/5.0 (Linux; Android 14) Mobile") == "phone"
    assert services.device_of("Mozilla/5.0 (X11; Linux x86_64)") == "computer"
