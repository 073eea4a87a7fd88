import threading

import pytest
from django.db import connection

from members.models import Member
from members.services import member_for_user
from tests.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_of_a_shopper_share_one_member(on_postgres, merchant):
    user = UserFactory()
    results, errors, barrier = [], [], threading.Barrier(4)

    def first_request():
        try:
            barrier.wait()
            results.append(member_for_user(merchant=merchant, user=user).pk)
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(results)) == 1
    assert Member.objects.for_merchant(merchant).filter(user=user).count() == 1
