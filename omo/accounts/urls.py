from django.urls import path

from . import views

urlpatterns = [
    path("phone/signup/", views.phone_signup, name="account_phone_signup"),
]
