from django.urls import path

from . import views

app_name = "attribution"

urlpatterns = [
    path("settings/attribution/", views.settings_edit, name="settings"),
]
