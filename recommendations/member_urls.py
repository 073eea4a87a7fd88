"""The staff tablet's member pages (namespace `members`)."""

from django.urls import path

from . import member_views as views
from . import store_member_views

app_name = "members"

urlpatterns = [
    path("", views.member_search, name="search"),
    path("members/register/", views.member_register, name="register"),
    path("members/store/", store_member_views.store_member_list, name="store_list"),
    path("members/<int:member_id>/", views.member_detail, name="detail"),
    path("members/<int:member_id>/overview/", views.member_overview, name="overview"),
    path("members/<int:member_id>/records/", views.member_records, name="records"),
]
