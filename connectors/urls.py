"""Store connections under /m/<merchant>/connections/: the merchant admin's pages and the webhook address."""

from django.urls import path

from . import views

app_name = "connectors"

urlpatterns = [
    path("", views.connection_list, name="list"),
    path("add/", views.connection_add, name="add"),
    path("<int:connection_id>/rotate/", views.connection_rotate, name="rotate"),
    path("<int:connection_id>/secrets/<int:secret_id>/retire/", views.connection_secret_retire, name="retire"),
    path("mappings/", views.mapping_list, name="mappings"),
    path("mappings/<int:mapping_id>/", views.mapping_set, name="mapping-set"),
    path("inbox/", views.inbox, name="inbox"),
    path("deliveries/<int:delivery_id>/replay/", views.delivery_replay, name="replay"),
    path("in/<uuid:key>/", views.webhook_receive, name="webhook"),
]
