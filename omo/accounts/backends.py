"""Authentication backends that keep the signed-in user in the cache between requests.

Every page of a signed-in person loads their user row to check the session; with the cache, a
request reads it from Redis instead of PostgreSQL. Django still checks the session against the
user's password hash on every request, and any save of the user (password, active flag, last
login...) drops the cached copy at once (signals.py), so a changed password still ends every
other session on their next request.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.cache import cache

USER_CACHE_SECONDS = 300


def user_cache_key(user_id) -> str:
    return f"auth-user:{user_id}"


class CachedUserMixin:
    def get_user(self, user_id):
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_CACHE_SECONDS)
            return user
        return user if self.user_can_authenticate(user) else None


class ModelBackend(CachedUserMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(CachedUserMixin, AllauthBackend):
    pass
