"""Joining clicks made before login to the account that logs in (SPEC section 3)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import services


@receiver(user_logged_in, dispatch_uid="recommendations.join_pending_clicks")
def join_pending_clicks(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if request.session.get(services.PENDING_CLICKS_KEY):
        services.pending_clicks_record(request.session, user=user)
