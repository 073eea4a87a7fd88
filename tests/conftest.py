import uuid

import pytest
from django.db import connection

from tests.browser import chromium  # noqa: F401  (fixture)
from tests.celery_worker import celery_worker_process  # noqa: F401  (fixture)
from tests.factories import MemberFactory, MerchantFactory, StaffFactory, StoreFactory


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL.split("@")[-1]
    return [f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or db['NAME']}", f"celery broker: {broker}"]


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process (still after commit) unless the test drives a real worker process."""
    from omo.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = "celery_worker_process" not in request.fixturenames
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _isolated_caches(settings):
    """Each test its own cache keys (rate-limit counters, cached users and link cards never leak
    between tests): a key prefix, because CI's Redis also carries the Celery broker and is never
    flushed; and no merchant kept in this process from an earlier test (slugs like "acme" come
    back with another id in every test)."""
    from omo.tenancy.selectors import merchants_forget

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"t-{uuid.uuid4().hex}"}}
    merchants_forget()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request with Accept-Language activates that language for the rest of the thread: the
    next test starts in the default language again."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Acme Taiwan", slug="acme")


@pytest.fixture
def other_merchant(db):
    return MerchantFactory(name="Other Brand", slug="other")


@pytest.fixture
def store(merchant):
    return StoreFactory(merchant=merchant, name="Taipei 101", code="taipei-101")


@pytest.fixture
def staff(merchant, store):
    return StaffFactory(merchant=merchant, store=store, display_name="Amy")


@pytest.fixture
def member(merchant, store):
    # A member of the staff fixture's store: store staff may open their own store's members.
    return MemberFactory(merchant=merchant, registered_store=store)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff.user)
    return client


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
