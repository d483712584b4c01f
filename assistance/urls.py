from django.urls import path

from assistance import views

app_name = "assistance"

urlpatterns = [
    path("visits/", views.VisitListView.as_view(), name="visit_list"),
    path("visits/mine/", views.MyHouseholdsView.as_view(), name="my_households"),
    path("visits/overdue/", views.VisitsOverdueView.as_view(), name="visits_overdue"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit_detail"),
    path("visits/<int:pk>/photo/", views.VisitPhotoView.as_view(), name="visit_photo"),
    path("households/<int:pk>/visits/new/", views.VisitCreateView.as_view(), name="visit_create"),
    path("attendance/", views.AttendanceView.as_view(), name="attendance"),
    path("attendance/record/", views.AttendanceRecordView.as_view(), name="attendance_record"),
    path("attendance/check-in/", views.CheckInView.as_view(), name="check_in"),
]
