from django.urls import path

from . import apis

app_name = "loyalty_api"

urlpatterns = [
    path("member-events/", apis.MemberEventApi.as_view(), name="member-events"),
]
