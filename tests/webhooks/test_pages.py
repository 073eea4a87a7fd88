"""The merchant's webhook pages: admins only, another merchant's ids are 404, the secret is shown
once, resend and the disabled-endpoint banner."""

import pytest
from django.utils import timezone

from omo.tenancy.models import Staff
from omo.webhooks import services
from omo.webhooks.models import Delivery, Endpoint, WebhookPolicy
from tests.factories import StaffFactory

from .receiver import receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(merchant):
    return StaffFactory(merchant=merchant, store=None, display_name="Ada", role=Staff.Role.ADMIN)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin.user)
    return client


def test_only_merchant_admins_see_the_pages(client, merchant, staff):
    client.force_login(staff.user)  # store staff of this merchant: the role-limit page
    assert client.get(f"/m/{merchant.slug}/webhooks/").status_code == 403


def test_admin_adds_an_endpoint_and_sees_the_secret_once(admin_client, merchant, django_capture_on_commit_callbacks):
    WebhookPolicy.objects.create(merchant=merchant, allow_private_targets=True)
    with receiver() as hook:
        response = admin_client.post(f"/m/{merchant.slug}/webhooks/",
                                     {"url": hook.url, "event_types": ["member.created"], "description": "CRM"})
        assert response.status_code == 200
        endpoint = Endpoint.objects.for_merchant(merchant).get()
        assert endpoint.secret in response.content.decode()
        assert endpoint.secret not in admin_client.get(f"/m/{merchant.slug}/webhooks/").content.decode()
        assert endpoint.secret not in admin_client.get(f"/m/{merchant.slug}/webhooks/{endpoint.pk}/").content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_event_emit(merchant=merchant, type="member.created", data={"member": {"id": 1}},
                                        idempotency_key="k1")
        delivery = Delivery.objects.for_merchant(merchant).get()
        page = admin_client.get(f"/m/{merchant.slug}/webhooks/{endpoint.pk}/").content.decode()
        assert f'data-delivery="{delivery.pk}" data-status="succeeded"' in page
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(f"/m/{merchant.slug}/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/resend/")
        assert response.status_code == 302
        assert len(hook.requests) == 2


def test_a_private_url_is_refused_on_the_form(admin_client, merchant):
    response = admin_client.post(f"/m/{merchant.slug}/webhooks/",
                                 {"url": "http://169.254.169.254/latest/", "event_types": ["member.created"]})
    assert response.status_code == 200
    assert "private or reserved address" in response.content.decode()
    assert not Endpoint.objects.for_merchant(merchant).exists()


def test_another_merchants_endpoint_is_404(admin_client, merchant, other_merchant):
    WebhookPolicy.objects.create(merchant=other_merchant, allow_private_targets=True)
    theirs, _ = services.endpoint_create(merchant=other_merchant, url="http://127.0.0.1:9/x",
                                         event_types=["member.created"])
    base = f"/m/{merchant.slug}/webhooks/{theirs.pk}"
    assert admin_client.get(f"{base}/").status_code == 404
    assert admin_client.post(f"{base}/enable/").status_code == 404
    assert admin_client.post(f"{base}/rotate/").status_code == 404
    assert admin_client.post(f"{base}/delete/").status_code == 404
    assert admin_client.post(f"{base}/deliveries/1/resend/").status_code == 404
    assert Endpoint.objects.for_merchant(other_merchant).filter(pk=theirs.pk).exists()


def test_disabled_endpoint_banner_and_turning_it_back_on(admin_client, merchant):
    WebhookPolicy.objects.create(merchant=merchant, allow_private_targets=True)
    endpoint, _ = services.endpoint_create(merchant=merchant, url="http://127.0.0.1:9/x",
                                           event_types=["member.created"])
    Endpoint.objects.for_merchant(merchant).filter(pk=endpoint.pk).update(
        is_active=False, disabled_at=timezone.now(), disabled_reason="failing"
    )
    page = admin_client.get(f"/m/{merchant.slug}/webhooks/").content.decode()
    assert 'data-banner="endpoint-disabled"' in page
    admin_client.post(f"/m/{merchant.slug}/webhooks/{endpoint.pk}/enable/")
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is None
    assert 'data-banner' not in admin_client.get(f"/m/{merchant.slug}/webhooks/").content.decode()
