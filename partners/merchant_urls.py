"""Merchant-side campaign pages and the shareable referral link, under /m/<merchant>/."""

from django.urls import path

from omo.api.moved import moved_permanently

from . import views
from .models import Campaign

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_create, name="create"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("campaigns/<int:campaign_id>/invite/", views.campaign_invite, name="invite"),
    path(
        "campaigns/<int:campaign_id>/invitations/<int:invitation_id>/revoke/",
        views.campaign_invitation_revoke,
        name="invitation-revoke",
    ),
    path("r/<str:code>/", views.referral_redirect, name="referral"),
    # The old session-only campaign API moved into /api/v1/ (README, "API"): 308 keeps method and body.
    path("api/campaigns/", moved_permanently("campaigns/"), name="api-list"),
    path("api/campaigns/<int:campaign_id>/", moved_permanently("campaigns/{campaign_id}/", campaign_id=Campaign),
         name="api-detail"),
]
