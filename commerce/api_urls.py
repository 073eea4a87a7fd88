from django.urls import path

from . import apis

app_name = "commerce_api"

urlpatterns = [
    path("orders/", apis.OrderEventApi.as_view(), name="order-events"),
]
