"""Region API routes (mounted under /api/v1/ by poverty.api.urls)."""

from rest_framework.routers import SimpleRouter

from villages.api import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")

urlpatterns = router.urls
