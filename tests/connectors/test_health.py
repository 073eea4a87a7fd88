"""/healthz: 200 with each check when the database, Redis and a Celery worker are up; 503 naming
what is down otherwise (never a 500)."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import DatabaseError

from omo import health
from omo.celery import app

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_on_the_embedded_default(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["celery"] in ("in-process", "ok")


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def broken(self, *args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.temporary_connection", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"].startswith("Unavailable")


def test_healthz_is_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "Unavailable: Redis did not answer"


def test_the_worker_check_fails_after_a_minute_without_an_answer(monkeypatch):
    app.conf.task_always_eager = False  # restored by the conftest fixture
    answers = []
    monkeypatch.setattr(app.control, "ping", lambda timeout: answers)
    clock = [1_000_000.0]
    monkeypatch.setattr(health.time, "time", lambda: clock[0])
    check = health.CeleryWorker()

    answers.append({"worker@host": {"ok": "pong"}})
    check.run()  # answered now
    answers.clear()
    clock[0] += 50
    check.run()  # no answer, but one 50 s ago: still healthy
    clock[0] += 20
    with pytest.raises(health.ServiceUnavailable):
        check.run()


@pytest.mark.worker
def test_healthz_sees_a_real_worker(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "redis": "ok" if django_settings.REDIS_URL else "not configured",
                                         "celery": "ok"}
    celery_worker_process.kill()
    cache.delete(health.WORKER_SEEN_KEY)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "Celery" in response.json()["checks"]["celery"]
