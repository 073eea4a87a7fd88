import pytest
from django.core.exceptions import ValidationError

from members.models import Member
from members.selectors import member_find
from members.services import member_register
from tests.factories import MemberFactory


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("0912 345 678", "TW", "+886912345678"),
        ("0912-345-678", "TW", "+886912345678"),
        ("+886 912 345 678", "RU", "+886912345678"),
        ("8 (916) 555-00-01", "RU", "+79165550001"),
        ("+7 916 555 0001", "TW", "+79165550001"),
    ],
)
def test_phone_is_stored_and_found_as_e164(merchant, raw, region, expected):
    merchant.country = region
    member = member_register(merchant=merchant, phone=raw)
    assert member.phone == expected
    assert member_find(merchant=merchant, query=raw) == member


def test_email_is_case_insensitive(merchant):
    member = member_register(merchant=merchant, email="  Amy.Lin@Example.COM ")
    assert member.email == "amy.lin@example.com"
    assert member_find(merchant=merchant, query="AMY.LIN@example.com") == member


def test_same_phone_twice_in_one_merchant_is_refused_with_a_message(merchant):
    member_register(merchant=merchant, phone="0912345678")
    with pytest.raises(ValidationError) as exc:
        member_register(merchant=merchant, phone="+886 912 345 678")
    assert "already exists" in str(exc.value.message_dict["phone"])
    assert Member.objects.for_merchant(merchant).count() == 1


def test_same_email_with_other_case_is_refused(merchant):
    member_register(merchant=merchant, email="a@example.com")
    with pytest.raises(ValidationError) as exc:
        member_register(merchant=merchant, email="A@EXAMPLE.com")
    assert "email" in exc.value.message_dict


def test_same_phone_in_two_merchants_is_two_members(merchant, other_merchant):
    a = member_register(merchant=merchant, phone="0912345678")
    b = member_register(merchant=other_merchant, phone="0912345678")
    assert a.pk != b.pk


@pytest.mark.parametrize("raw", ["12", "not a phone", "0912"])
def test_unreadable_phone_is_a_validation_error(merchant, raw):
    with pytest.raises(ValidationError):
        member_register(merchant=merchant, phone=raw)
    assert not Member.objects.for_merchant(merchant).exists()


def test_member_needs_phone_or_email(merchant):
    with pytest.raises(ValidationError):
        member_register(merchant=merchant, name="Nobody")


def test_search_page_finds_member_and_says_when_none(staff_client, merchant):
    member = MemberFactory(merchant=merchant, phone="+886912345678")
    found = staff_client.get(f"/m/{merchant.slug}/staff/", {"q": "0912-345-678"})
    assert f"/staff/members/{member.pk}/" in found.content.decode()
    missing = staff_client.get(f"/m/{merchant.slug}/staff/", {"q": "0912-000-111"})
    assert "No member found" in missing.content.decode()
    bad = staff_client.get(f"/m/{merchant.slug}/staff/", {"q": "12"})
    assert bad.status_code == 200
    assert "not" in bad.content.decode()
