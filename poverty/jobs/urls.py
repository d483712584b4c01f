from django.urls import path

from poverty.jobs import views

app_name = "jobs"

urlpatterns = [
    path("<int:pk>/", views.JobDetailView.as_view(), name="detail"),
    path("<int:pk>/progress/", views.JobProgressView.as_view(), name="progress"),
    path("<int:pk>/download/", views.JobDownloadView.as_view(), name="download"),
]
