# OMO application image: web (gunicorn), Celery worker and Celery beat all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=omo.settings.production

# gettext: compilemessages (the compiled *.mo catalogs are not committed).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .
# collectstatic loads the production settings: a throwaway key and placeholders for this step only
# (nothing of them stays in the image; the running container gets the real ones from its environment).
RUN rm -rf .venv .env db.sqlite3 media staticfiles test-artifacts \
    && if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then python manage.py compilemessages --ignore=.venv -v 0; fi \
    && DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       DJANGO_ALLOWED_HOSTS=build REDIS_URL=redis://build:6379/0 \
       python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 1000 --home-dir /app omo \
    && mkdir -p /app/media /app/metrics-data \
    && chown -R omo /app/media /app/metrics-data
USER omo

EXPOSE 8000
CMD ["gunicorn", "omo.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
