from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoints"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="endpoint"),
    path("<int:endpoint_id>/enable/", views.endpoint_enable, name="enable"),
    path("<int:endpoint_id>/rotate/", views.endpoint_rotate, name="rotate"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path("<int:endpoint_id>/deliveries/<int:delivery_id>/resend/", views.delivery_resend, name="resend"),
]
