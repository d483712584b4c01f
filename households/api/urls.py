"""Household API routes (mounted under /api/v1/ by poverty.api.urls)."""

from rest_framework.routers import SimpleRouter

from households.api import views

router = SimpleRouter()
router.register("households", views.HouseholdViewSet, basename="household")
router.register("members", views.MemberViewSet, basename="member")
router.register("incomes", views.AnnualIncomeViewSet, basename="income")
router.register("guarantees", views.GuaranteeStatusViewSet, basename="guarantee")
router.register("status-changes", views.HouseholdStatusChangeViewSet, basename="status-change")

urlpatterns = router.urls
