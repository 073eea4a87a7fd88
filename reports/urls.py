from django.urls import path

from omo.api.moved import moved_permanently

from . import views

app_name = "reports"

urlpatterns = [
    path("performance/", views.performance, name="performance"),
    path("performance.csv", views.performance_csv, name="performance-csv"),
    path("export/", views.export, name="export"),
    path("export/jobs/<int:job_id>/", views.export_job, name="export-job"),
    path("export/jobs/<int:job_id>/progress", views.export_job_progress, name="export-progress"),
    path("export/jobs/<int:job_id>/download", views.export_download, name="export-download"),
    # Moved into /api/v1/ (README, "API"); 308 keeps the method.
    path("api/performance/", moved_permanently("performance/"), name="api-performance"),
    path("api/performance/staff/", moved_permanently("performance/staff/"), name="api-performance-staff"),
    path("api/performance/stores/", moved_permanently("performance/stores/"), name="api-performance-stores"),
]
