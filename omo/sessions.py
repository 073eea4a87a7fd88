"""Django's cached_db sessions (read from Redis, written through to the database), with the write
of an existing session as one UPDATE statement.

Django's database store saves through `Model.save()` inside `transaction.atomic()`: BEGIN, UPDATE,
COMMIT (three round trips) and the model machinery, several times the cost of the statement. A
shopper's link open writes the session whenever the cart's source link changes (a new link), so
that write is on the link-open path (bench/link_open.py). The row and the cached copy are the same
as Django's; a session that no longer exists still raises UpdateError (the middleware answers 400).
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.cached_db import logger


class SessionStore(CachedDBStore):
    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create)
        data = self._get_session()
        updated = self.model.objects.filter(session_key=self.session_key).update(
            session_data=self.encode(data), expire_date=self.get_expiry_date()
        )
        if not updated:
            raise UpdateError
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)
