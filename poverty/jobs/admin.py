from django.contrib import admin

from poverty.jobs.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "subject",
        "status",
        "progress_done",
        "progress_total",
        "created",
        "finished",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["kind", "subject", "region_code"]
    readonly_fields = [f.name for f in JobRun._meta.fields]
