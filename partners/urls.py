"""The partner portal, global (not under a merchant prefix): one login for every merchant."""

from django.urls import path

from . import payout_views, views

app_name = "partners"

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("signup/", views.PartnerSignupView.as_view(), name="signup"),
    path("login/", views.PartnerLoginView.as_view(), name="login"),
    path("invite/<str:token>/", views.portal_invite, name="invite"),
    path("settings/notifications/", views.portal_notifications, name="notifications"),
    path("join/<slug:merchant_slug>/", views.portal_join, name="join"),
    path("<slug:merchant_slug>/campaigns/<str:code>/qr.<str:fmt>", views.portal_qr, name="qr"),
    path("<slug:merchant_slug>/", views.portal_campaigns, name="campaigns"),
    path("<slug:merchant_slug>/campaigns/<str:code>/", views.portal_campaign, name="campaign"),
    path("<slug:merchant_slug>/campaigns/<str:code>/rules/", views.portal_rules, name="rules"),
    path("<slug:merchant_slug>/campaigns/<str:code>/report.csv", views.portal_report, name="report"),
    path("<slug:merchant_slug>/payouts/", payout_views.portal_payouts, name="payouts"),
    path("<slug:merchant_slug>/payouts/<int:line_id>/", payout_views.portal_payout, name="payout"),
    path("<slug:merchant_slug>/payout-details/", payout_views.portal_payout_details, name="payout-details"),
]
