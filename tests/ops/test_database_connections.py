"""A kept database connection (CONN_MAX_AGE, CONN_HEALTH_CHECKS in production) is checked before
a request's first query without a round trip (omo/postgresql/base.py): one the server ended is
replaced, a live one is used as it is. PostgreSQL only."""

import time

import pytest
from django.db import connections


def open_checked_connection():
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}
    wrapper.ensure_connection()
    return wrapper


def one(wrapper, sql, params=()):
    with wrapper.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def next_request(wrapper):
    """What Django does between two requests on a kept connection, then the check of the next one."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.close_if_health_check_failed()


@pytest.fixture
def kept():
    """Two kept, checked connections to the test database: the one under test and another."""
    wrapper, other = open_checked_connection(), open_checked_connection()
    yield wrapper, other
    wrapper.close()
    other.close()


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_next_request_uses_it(on_postgres, kept):
    wrapper, other = kept
    pid = one(wrapper, "SELECT pg_backend_pid()")
    assert one(other, "SELECT pg_terminate_backend(%s)", [pid]) is True  # a restart, an idle timeout
    for _ in range(100):  # until the server has ended it (the call only signals the backend)
        if not one(other, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]):
            break
        time.sleep(0.05)
    next_request(wrapper)
    assert one(wrapper, "SELECT pg_backend_pid()") != pid  # a new connection, no error


@pytest.mark.django_db(transaction=True)
def test_a_live_connection_is_kept_and_checked_without_a_query(on_postgres, kept):
    wrapper, other = kept
    pid = one(wrapper, "SELECT pg_backend_pid() /* the last query */")
    next_request(wrapper)
    # The server saw nothing since the last query (Django's own check sends SELECT 1).
    last = one(other, "SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
    assert last == "SELECT pg_backend_pid() /* the last query */"
    assert wrapper.health_check_done
    assert one(wrapper, "SELECT pg_backend_pid()") == pid
