from django.urls import path

from . import views

app_name = "storefront"

urlpatterns = [
    path("l/<str:token>/", views.link_open, name="open"),
    path("shop/", views.product_list, name="products"),
    path("shop/r/<str:token>/", views.recommended, name="recommended"),
    path("shop/cart/", views.cart_view, name="cart"),
    path("shop/cart/add/", views.cart_add, name="cart_add"),
    path("shop/cart/update/", views.cart_update, name="cart_update"),
    path("shop/checkout/", views.checkout, name="checkout"),
    path("shop/orders/", views.my_orders, name="my_orders"),
    path("shop/orders/<str:number>/", views.order_detail, name="order"),
]
