from celery import Task

from .scoping import merchant_scope


class TenantTask(Task):
    """Celery task base: the first argument is the merchant id and the whole run is scoped to it.

    Scoping per task (not a thread-local left over from a previous task) means one task can
    never read another merchant's rows.
    """

    abstract = True

    def __call__(self, merchant_id, *args, **kwargs):
        with merchant_scope(merchant_id):
            return super().__call__(merchant_id, *args, **kwargs)
