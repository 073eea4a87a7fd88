"""Merchant-side campaign pages and the shareable referral link, under /m/<merchant>/."""

from django.urls import path

from omo.api.moved import moved_permanently

from . import payout_views, views
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
    path(
        "campaigns/<int:campaign_id>/applications/<int:application_id>/decide/",
        views.campaign_application_decide,
        name="application-decide",
    ),
    path("r/<str:code>/", views.referral_redirect, name="referral"),
    # Commission lifecycle and payouts (partners/payout_views.py)
    path("campaigns/<int:campaign_id>/commissions/", payout_views.campaign_commissions, name="commissions"),
    path("campaigns/<int:campaign_id>/payout-terms/", payout_views.campaign_payout_terms, name="payout-terms"),
    path("commissions/<int:commission_id>/approve/", payout_views.commission_approve, name="commission-approve"),
    path("commissions/<int:commission_id>/reject/", payout_views.commission_reject, name="commission-reject"),
    path("payouts/", payout_views.payout_list, name="payouts"),
    path("payouts/new/", payout_views.payout_create, name="payout-create"),
    path("payouts/<int:payout_id>/", payout_views.payout_detail, name="payout"),
    path("payouts/<int:payout_id>/paid/", payout_views.payout_mark_paid, name="payout-paid"),
    path("payouts/<int:payout_id>/transfer.csv", payout_views.payout_export, name="payout-export"),
    # The old session-only campaign API moved into /api/v1/ (README, "API"): 308 keeps method and body.
    path("api/campaigns/", moved_permanently("campaigns/"), name="api-list"),
    path("api/campaigns/<int:campaign_id>/", moved_permanently("campaigns/{campaign_id}/", campaign_id=Campaign),
         name="api-detail"),
]
