"""Merchant-side campaign pages and the shareable referral link, under /m/<merchant>/."""

from django.urls import path

from . import apis, views

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
    path("api/campaigns/", apis.CampaignListApi.as_view(), name="api-list"),
    path("api/campaigns/<int:campaign_id>/", apis.CampaignDetailApi.as_view(), name="api-detail"),
    path("api/campaigns/<int:campaign_id>/invitations/", apis.CampaignInvitationApi.as_view(), name="api-invite"),
]
