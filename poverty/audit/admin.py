from django.contrib import admin

from poverty.audit.models import ChangeRecord


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    """Read-only: no role may edit or delete history."""

    list_display = [
        "at",
        "user_name",
        "channel",
        "action",
        "object_type",
        "object_repr",
        "division_code",
    ]
    list_filter = ["channel", "action", "object_type"]
    search_fields = ["user_name", "object_id", "object_repr", "division_code", "request_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
