from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("staff/members/<int:member_id>/recommend/", views.compose, name="compose"),
    path("staff/members/<int:member_id>/recommend/search/", views.search, name="search"),
    path(
        "staff/members/<int:member_id>/recommend/products/<int:product_id>/variations/",
        views.variation_picker,
        name="picker",
    ),
    path("staff/members/<int:member_id>/recommend/select/", views.select, name="select"),
    path("staff/members/<int:member_id>/recommend/remove/", views.remove, name="remove"),
    path("staff/members/<int:member_id>/recommend/share/", views.share, name="share"),
    path("staff/links/<int:link_id>/", views.link_detail, name="link"),
    path("staff/links/<int:link_id>/qr.png", views.link_qr_png, name="qr_png"),
    path("staff/links/<int:link_id>/qr.svg", views.link_qr_svg, name="qr_svg"),
    path("staff/links/<int:link_id>/sms/", views.link_sms, name="sms"),
]
