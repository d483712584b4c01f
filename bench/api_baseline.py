"""The baseline of bench/api_bench.py: the same household endpoints written the way most
projects ship them — a plain DRF ModelViewSet, nested serializers, default page-number
pagination (with its COUNT). Same authentication, scoping and FilterSet as /api/v1/, so the
difference measured is the read path alone. Routed only by bench/api_urls.py (bench settings),
never by the production URLconf.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.routers import SimpleRouter

from households.api.views import HouseholdViewSet
from households.filters import HouseholdFilterSet
from households.models import Household, Member
from poverty.scoping import visible_to


class BaselineMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = "__all__"


class BaselineHouseholdSerializer(serializers.ModelSerializer):
    members = BaselineMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = "__all__"


class BaselinePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 100


class BaselineHouseholdViewSet(viewsets.ModelViewSet):
    """Nested members without prefetch: one query per household (what ships most often)."""

    scope_model = Household
    serializer_class = BaselineHouseholdSerializer
    pagination_class = BaselinePagination
    filterset_class = HouseholdFilterSet
    renderer_classes = [JSONRenderer]

    def get_queryset(self):
        queryset = Household.objects.filter(is_deleted=False).order_by("pk")
        return visible_to(self.request.user, queryset)


class PrefetchHouseholdViewSet(BaselineHouseholdViewSet):
    """The same with prefetch_related("members"): the usual first optimisation."""

    def get_queryset(self):
        return super().get_queryset().prefetch_related("members")


class PythonRowsHouseholdViewSet(HouseholdViewSet):
    """Ours with the rows rendered in Python (poverty.api.fastrows) instead of by PostgreSQL
    (poverty.api.jsonrows): to compare the two in the same run."""

    json_rows = False


router = SimpleRouter()
router.register("baseline/households", BaselineHouseholdViewSet, basename="baseline-household")
router.register("prefetch/households", PrefetchHouseholdViewSet, basename="prefetch-household")
router.register("pyrows/households", PythonRowsHouseholdViewSet, basename="pyrows-household")
urlpatterns = router.urls
