from django.urls import path

from households import views

app_name = "households"

urlpatterns = [
    path("", views.HouseholdListView.as_view(), name="list"),
    path("new/", views.HouseholdCreateView.as_view(), name="create"),
    path("deleted/", views.HouseholdDeletedListView.as_view(), name="deleted"),
    path("regions/", views.RegionCascadeView.as_view(), name="region_cascade"),
    path("cadres/", views.CadreOptionsView.as_view(), name="cadre_options"),
    path("<int:pk>/", views.HouseholdDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.HouseholdEditView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.HouseholdDeleteView.as_view(), name="delete"),
    path("<int:pk>/restore/", views.HouseholdRestoreView.as_view(), name="restore"),
]
