"""The region admin: pages render, search finds by name and code prefix, the region filter
narrows to one county, and the parent is never offered as a list of every region."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from villages.models import Region

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:villages_region_changelist")


def region(code: str, name: str, level: str, parent: Region | None = None, **flags) -> Region:
    return Region.objects.create(code=code, name=name, level=level, parent=parent, **flags)


@pytest.fixture
def tree():
    """湖南 › 怀化 › 鹤城区 and 中方县, one township and one village under each county."""
    hunan = region("430000000000", "湖南省", "province", region_class="central")
    huaihua = region("431200000000", "怀化市", "city", hunan)
    hecheng = region("431202000000", "鹤城区", "county", huaihua)
    zhongfang = region("431221000000", "中方县", "county", huaihua, is_key_county=True)
    hc_town = region("431202100000", "黄金坳镇", "township", hecheng)
    zf_town = region("431221101000", "中方镇", "township", zhongfang)
    hc_village = region("431202100201", "黄金坳村", "village", hc_town, is_poor_village=True)
    zf_village = region("431221101202", "荆坪村", "village", zf_town, is_poor_village=True)
    return {
        "province": hunan,
        "city": huaihua,
        "hecheng": hecheng,
        "zhongfang": zhongfang,
        "hc_town": hc_town,
        "zf_town": zf_town,
        "hc_village": hc_village,
        "zf_village": zf_village,
    }


def listed_codes(response) -> set[str]:
    return {obj.code for obj in response.context["cl"].result_list}


def test_changelist_lists_every_region_for_a_superuser(admin_client, tree):
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed_codes(response) == {r.code for r in tree.values()}
    assert "荆坪村" in response.content.decode()


@pytest.mark.parametrize(
    "view",
    ["admin:villages_region_add", "admin:villages_region_change"],
)
def test_add_and_change_pages_render_with_the_parent_picked_by_code(admin_client, tree, view):
    args = [tree["hc_village"].pk] if view.endswith("change") else []

    response = admin_client.get(reverse(view, args=args))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="parent"' in html
    # raw id widget: a text input, never a <select> holding every region of a province
    assert '<select name="parent"' not in html


def test_search_by_name_finds_only_matching_regions(admin_client, tree):
    response = admin_client.get(CHANGELIST, {"q": "中方"})

    assert listed_codes(response) == {"431221000000", "431221101000"}


def test_search_by_digits_is_a_code_prefix_match(admin_client, tree):
    response = admin_client.get(CHANGELIST, {"q": "431202"})

    assert listed_codes(response) == {"431202000000", "431202100000", "431202100201"}


def test_region_filter_narrows_to_one_county_and_everything_below_it(admin_client, tree):
    response = admin_client.get(CHANGELIST, {"region": "431202000000"})

    assert response.status_code == 200
    codes = listed_codes(response)
    assert codes == {"431202000000", "431202100000", "431202100201"}
    for outside in ("zhongfang", "zf_town", "zf_village", "city", "province"):
        assert tree[outside].code not in codes


def test_region_filter_combines_with_flag_filters(admin_client, tree):
    response = admin_client.get(
        CHANGELIST, {"region": "431200000000", "is_poor_village__exact": "1"}
    )

    assert listed_codes(response) == {"431202100201", "431221101202"}


def test_region_filter_sidebar_offers_provinces_cities_and_counties(admin_client, tree):
    response = admin_client.get(CHANGELIST)

    html = response.content.decode()
    assert "?region=431221000000" in html
    assert "?region=431202100201" not in html  # villages are too many for a sidebar


def test_code_cannot_be_edited_once_the_region_exists(admin_client, tree):
    response = admin_client.get(reverse("admin:villages_region_change", args=[tree["hecheng"].pk]))

    assert 'name="code"' not in response.content.decode()


def test_add_creates_a_region_under_its_parent(admin_client, tree):
    response = admin_client.post(
        reverse("admin:villages_region_add"),
        {
            "code": "431202100202",
            "name": "新村",
            "level": "village",
            "parent": "431202100000",
            "rural_population": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Region.objects.get(code="431202100202")
    assert created.parent_id == "431202100000"


def test_changelist_query_count_does_not_grow_with_rows(admin_client, tree):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(CHANGELIST).status_code == 200
        return len(ctx.captured_queries)

    before = count_queries()
    for i in range(20):
        region(f"43120210{i + 1:04d}", f"村{i}", "village", tree["hc_town"])
    after = count_queries()

    assert after == before
