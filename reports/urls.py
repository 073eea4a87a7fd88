from django.urls import path

from . import apis, views

app_name = "reports"

urlpatterns = [
    path("performance/", views.performance, name="performance"),
    path("performance.csv", views.performance_csv, name="performance-csv"),
    path("export/", views.export, name="export"),
    path("export/jobs/<int:job_id>/", views.export_job, name="export-job"),
    path("export/jobs/<int:job_id>/progress", views.export_job_progress, name="export-progress"),
    path("export/jobs/<int:job_id>/download", views.export_download, name="export-download"),
    path("api/performance/", apis.PerformanceApi.as_view(), name="api-performance"),
    path("api/performance/staff/", apis.PerformanceStaffApi.as_view(), name="api-performance-staff"),
    path("api/performance/stores/", apis.PerformanceStoresApi.as_view(), name="api-performance-stores"),
]
