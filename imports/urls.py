from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_page, name="page"),
    path("<int:job_id>/", views.import_job, name="job"),
    path("<int:job_id>/import/", views.import_confirm, name="confirm"),
]
