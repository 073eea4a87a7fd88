from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .backends import user_cache_key


@receiver([post_save, post_delete], sender=get_user_model(), dispatch_uid="accounts.user_forget")
def user_edited(sender, instance, **kwargs):
    # Now, and again at commit: a request that read the old row meanwhile may have cached it.
    key = user_cache_key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
