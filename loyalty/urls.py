from django.urls import path

from . import expiry_views, views

app_name = "loyalty"

urlpatterns = [
    path("points/", views.my_points, name="my_points"),
    path("points/join/<slug:store_code>/", views.referral_join, name="referral_join"),
    path("loyalty/referral-qr/<slug:store_code>.png", views.referral_qr, name="referral_qr"),
    path("loyalty/cash/", views.cash_redemption, name="cash"),
    path("loyalty/members/<int:member_id>/", views.member_points, name="member_points"),
    path("loyalty/offers/", views.offer_list, name="offers"),
    path("loyalty/offers/new/", views.offer_edit, name="offer_new"),
    path("loyalty/offers/<int:offer_id>/", views.offer_edit, name="offer_edit"),
    path("loyalty/budgets/", views.budget_list, name="budgets"),
    path("loyalty/settings/", views.settings_edit, name="settings"),
    path("loyalty/payroll.csv", views.payroll_csv, name="payroll_csv"),
    path("loyalty/liability/", expiry_views.liability, name="liability"),
    path("loyalty/liability.csv", expiry_views.liability_csv, name="liability_csv"),
    path("points/notices/", expiry_views.notices, name="notices"),
    path("points/notices/stop/<str:token>/", expiry_views.notices_stop, name="notices_stop"),
]
