from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.member_search, name="search"),
    path("members/<int:member_id>/", views.member_detail, name="detail"),
]
