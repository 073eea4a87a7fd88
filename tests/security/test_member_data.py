"""Issue 13, must-fix 5: member data minimised and audited.

A store staff member used to walk member ids across every store and read full phones and emails.
Now: members only through an exact search or the staff member's own store; phone and email masked
outside the one profile page; every profile view, export, key, role and settings change audited
(append-only, shown to merchant admins); lookups rate-limited; the console SMS log masked.
"""

import pytest
from django.test import Client
from django.urls import reverse

from omo.api.keys import api_key_create
from omo.api.publicid import public_id
from omo.audit.models import AppendOnlyError, AuditEvent
from omo.audit.services import audit_record
from omo.tenancy.models import ApiKey
from recommendations import services as reco_services
from tests.factories import (
    LinkFactory,
    MemberFactory,
    StaffFactory,
    StoreFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def profile(merchant, member):
    return f"/m/{merchant.slug}/staff/members/{member.pk}/"


def events(merchant, action=None):
    qs = AuditEvent.objects.for_merchant(merchant)
    return list(qs.filter(action=action) if action else qs)


@pytest.fixture
def other_store_member(merchant):
    elsewhere = StoreFactory(merchant=merchant, name="Kaohsiung", code="khh")
    return MemberFactory(merchant=merchant, name="Chen", phone="+886933444555", email="chen@example.com",
                         registered_store=elsewhere)


def test_walking_member_ids_of_other_stores_is_404(staff_client, merchant, other_store_member):
    for url in (profile(merchant, other_store_member), profile(merchant, other_store_member) + "overview/",
                profile(merchant, other_store_member) + "records/",
                f"/m/{merchant.slug}/staff/members/{other_store_member.pk}/recommend/",
                f"/m/{merchant.slug}/loyalty/members/{other_store_member.pk}/"):
        response = staff_client.get(url)
        assert response.status_code == 404, url
        assert b"+886933444555" not in response.content and b"chen@example.com" not in response.content


def test_a_member_found_by_exact_search_opens_and_shows_full_contact_once(staff_client, merchant, other_store_member):
    found = staff_client.get(f"/m/{merchant.slug}/staff/?q=0933 444 555")
    assert found.status_code == 200
    body = found.content.decode()
    assert "+886 9** *** 555" in body and "+886933444555" not in body and "c***@example.com" in body

    page = staff_client.get(profile(merchant, other_store_member))

    assert page.status_code == 200
    assert b"+886933444555" in page.content and b"chen@example.com" in page.content
    [event] = events(merchant, AuditEvent.Action.MEMBER_VIEW)
    assert event.target_id == str(other_store_member.pk) and event.actor_id is not None and event.ip == "127.0.0.1"


def test_own_store_members_open_and_admin_opens_every_member(client, merchant, staff, member, other_store_member):
    client.force_login(staff.user)
    assert client.get(profile(merchant, member)).status_code == 200
    admin = StaffFactory(merchant=merchant, role="admin", store=None)
    client.force_login(admin.user)
    assert client.get(profile(merchant, other_store_member)).status_code == 200


def test_another_merchants_member_stays_404_even_for_admins(client, merchant, other_merchant):
    admin = StaffFactory(merchant=merchant, role="admin")
    theirs = MemberFactory(merchant=other_merchant)
    client.force_login(admin.user)
    assert client.get(profile(merchant, theirs)).status_code == 404


def test_manager_reads_only_their_stores_members_through_the_api(client, merchant, store, member, other_store_member):
    manager = StaffFactory(merchant=merchant, store=store, role="manager")
    client.force_login(manager.user)
    listed = client.get(f"/m/{merchant.slug}/api/v1/members/").json()["results"]
    assert [m["id"] for m in listed] == [public_id(member)]
    assert listed[0]["phone"] != member.phone and listed[0]["phone"].endswith(member.phone[-3:])
    assert listed[0]["email"].startswith(member.email[0] + "***@")
    one = client.get(f"/m/{merchant.slug}/api/v1/members/{public_id(member)}/").json()
    assert one["phone"] == member.phone
    assert AuditEvent.objects.for_merchant(merchant).filter(action="member.view", target_id=str(member.pk)).exists()
    assert client.get(f"/m/{merchant.slug}/api/v1/members/{public_id(other_store_member)}/").status_code == 404


def test_member_lookups_per_login_are_rate_limited(staff_client, merchant, settings):
    settings.MEMBER_LOOKUP_LIMIT = 3
    for i in range(3):
        assert staff_client.get(f"/m/{merchant.slug}/staff/?q=09120000{i:02d}").status_code == 200
    over = staff_client.get(f"/m/{merchant.slug}/staff/?q=0912000099")
    assert over.status_code == 429
    assert "Too many member lookups" in over.content.decode()
    registering = staff_client.post(f"/m/{merchant.slug}/staff/members/register/", {"phone": "0912000098"})
    assert registering.status_code == 429
    # another staff login is not affected
    other = Client()
    other.force_login(StaffFactory(merchant=merchant).user)
    assert other.get(f"/m/{merchant.slug}/staff/?q=0912000099").status_code == 200


def test_audit_events_are_append_only(merchant):
    event = audit_record(merchant=merchant, action=AuditEvent.Action.MEMBER_VIEW, target_type="member", target_id=1)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.for_merchant(merchant).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.for_merchant(merchant).delete()
    assert AuditEvent.objects.for_merchant(merchant).count() == 1


def test_audit_admin_is_read_only(client, merchant):
    event = audit_record(merchant=merchant, action=AuditEvent.Action.MEMBER_VIEW, target_type="member", target_id=1)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403


def test_exports_keys_roles_and_settings_are_audited(client, merchant, store):
    admin = StaffFactory(merchant=merchant, role="admin", store=store)
    client.force_login(admin.user)
    assert client.get(f"/m/{merchant.slug}/reports/performance.csv").status_code == 200
    assert client.post(f"/m/{merchant.slug}/reports/export/", {}).status_code == 200
    assert client.get(f"/m/{merchant.slug}/loyalty/payroll.csv?month=2026-01").status_code == 200
    created = client.post(f"/m/{merchant.slug}/api/v1/api-keys/", {"name": "ERP"}, content_type="application/json")
    assert client.delete(f"/m/{merchant.slug}/api/v1/api-keys/{created.json()['id']}/").status_code == 204
    operator = Client()
    operator.force_login(UserFactory(is_staff=True, is_superuser=True))
    staff = StaffFactory(merchant=merchant, store=store, role="staff")
    operator.post(reverse("admin:tenancy_staff_change", args=[staff.pk]), {
        "merchant": merchant.pk, "user": staff.user.pk, "store": store.pk, "role": "manager",
        "display_name": staff.display_name, "resigned_at_0": "", "resigned_at_1": "",
    })

    actions = {event.action for event in events(merchant)}
    assert {"export.performance", "export.orders", "export.payroll", "api_key.create", "api_key.revoke",
            "staff.role"} <= actions
    [role_change] = events(merchant, "staff.role")
    assert role_change.details["role"] == ["staff", "manager"]


def test_loyalty_settings_change_is_audited(client, merchant, store):
    admin = StaffFactory(merchant=merchant, role="admin", store=store)
    client.force_login(admin.user)
    form = client.get(f"/m/{merchant.slug}/loyalty/settings/").context["form"]
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in data.items()}
    data["share_daily_cap"] = "77"
    response = client.post(f"/m/{merchant.slug}/loyalty/settings/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    [event] = events(merchant, "settings.loyalty")
    assert event.details["changed"]["share_daily_cap"][1] == 77


def test_audit_page_admins_only_filtered_and_paged(client, merchant, other_merchant, store):
    admin = StaffFactory(merchant=merchant, role="admin", store=store)
    for i in range(60):
        audit_record(merchant=merchant, action=AuditEvent.Action.MEMBER_VIEW, actor=admin.user, target_id=i)
    audit_record(merchant=merchant, action=AuditEvent.Action.EXPORT_ORDERS, actor=admin.user)
    url = f"/m/{merchant.slug}/audit/"
    client.force_login(admin.user)

    first = client.get(url)
    exports = client.get(url, {"action": "export.orders", "actor": admin.user.pk})

    assert first.status_code == 200 and first.content.count(b'data-event="') == 50
    assert client.get(url, {"page": 2}).content.count(b'data-event="') == 11
    assert exports.content.count(b'data-event="export.orders"') == 1 and b'data-event="member.view"' not in exports.content
    for role in ("manager", "staff"):
        client.force_login(StaffFactory(merchant=merchant, role=role, store=store).user)
        assert client.get(url).status_code == 403
    client.force_login(StaffFactory(merchant=other_merchant, role="admin").user)
    assert client.get(url).status_code == 404


def test_console_sms_log_masks_the_number_and_drops_the_link(merchant, staff, caplog,
                                                              django_capture_on_commit_callbacks):
    link = LinkFactory(merchant=merchant, staff=staff)
    url = f"https://shop.example/m/{merchant.slug}/l/{link.token}/"
    with caplog.at_level("INFO", logger="omo.sms"), django_capture_on_commit_callbacks(execute=True):
        reco_services.link_sms_send(merchant=merchant, link=link, staff=staff, url=url)
    assert caplog.text and link.member.phone not in caplog.text
    assert link.token not in caplog.text and url not in caplog.text


def test_merchant_settings_changes_in_the_admin_are_audited(client, merchant):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:tenancy_merchant_change", args=[merchant.pk]), {
        "name": merchant.name, "slug": merchant.slug, "currency": merchant.currency, "timezone": merchant.timezone,
        "country": merchant.country, "invitation_valid_days": "7", "image_hosts": '["cdn.acme.example"]',
        "staff_idle_minutes": str(merchant.staff_idle_minutes), "language": merchant.language,
        "money_decimals": "" if merchant.money_decimals is None else str(merchant.money_decimals),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = events(merchant, "settings.merchant")
    assert event.details["changed"]["invitation_valid_days"] == [14, 7]
    assert event.details["changed"]["image_hosts"] == [[], ["cdn.acme.example"]]


def test_operator_revoking_keys_in_the_admin_is_audited(client, merchant):
    key, _raw = api_key_create(merchant=merchant, name="ERP")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:tenancy_apikey_changelist"),
                           {"action": "revoke", "_selected_action": [key.pk]})
    assert response.status_code == 302
    assert ApiKey.objects.for_merchant(merchant).get().revoked_at is not None
    [event] = events(merchant, "api_key.revoke")
    assert event.target_id == str(key.pk)
