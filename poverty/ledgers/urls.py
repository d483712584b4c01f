from django.urls import path

from poverty.ledgers import views

app_name = "ledgers"

urlpatterns = [
    path("", views.LedgerIndexView.as_view(), name="index"),
    path("export/<str:kind>/", views.LedgerExportView.as_view(), name="export"),
    path("household/<int:pk>/", views.HouseholdFileView.as_view(), name="household_file"),
    path("import/", views.ImportUploadView.as_view(), name="import"),
    path("import/template/<str:key>/", views.TemplateDownloadView.as_view(), name="template"),
    path("import/<int:pk>/apply/", views.ImportApplyView.as_view(), name="import_apply"),
]
