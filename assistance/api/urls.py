"""Assistance API routes (mounted under /api/v1/ by poverty.api.urls)."""

from rest_framework.routers import SimpleRouter

from assistance.api import views

router = SimpleRouter()
router.register("cadres", views.CadreViewSet, basename="cadre")
router.register("pairings", views.CadrePairingViewSet, basename="pairing")
router.register("aid-units", views.AidUnitViewSet, basename="aid-unit")
router.register("aid-unit-villages", views.AidUnitVillageViewSet, basename="aid-unit-village")
router.register("work-teams", views.WorkTeamViewSet, basename="work-team")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("stationing-days", views.StationingDayViewSet, basename="stationing-day")

urlpatterns = router.urls
