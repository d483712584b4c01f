"""The division-code import: `manage.py import_regions` and villages.services.region_import."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count

from villages import services as s
from villages.models import Region

HEADER = "code,name,level,parent_code\n"
GOOD = (
    HEADER
    + "220000000000,吉林省,province,\n"
    + "220300000000,四平市,city,220000000000\n"
    + "220322000000,梨树县,county,220300000000\n"
    + "220322100000,梨树镇,township,220322000000\n"
    + "632857000000,大柴旦行政委员会,county,632800000000\n"
    + "630000000000,青海省,province,\n"
    + "632800000000,海西蒙古族藏族自治州,city,630000000000\n"
)


def write(tmp_path, text: str, *, bom: bool = False, name: str = "regions.csv"):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def run(path: str) -> str:
    out = io.StringIO()
    call_command("import_regions", path, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_good_file_creates_every_row_with_level_names_and_province_class(tmp_path):
    # when
    output = run(write(tmp_path, GOOD))

    # then
    assert "新增 7，更新 0，未变 0" in output
    regions = {r.code: r for r in Region.objects.all()}
    assert len(regions) == 7
    assert regions["220322000000"].parent_id == "220300000000"
    assert regions["220322000000"].level == "county"
    assert regions["220322000000"].level_name == "县"
    assert regions["220322100000"].level_name == "镇"
    assert regions["632857000000"].level_name == "行委"
    assert regions["632800000000"].level_name == "自治州"
    assert regions["220000000000"].region_class == "central"
    assert regions["630000000000"].region_class == "west"
    assert regions["220300000000"].region_class == ""  # inherits from the province


@pytest.mark.django_db
def test_second_run_of_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, GOOD)
    run(path)
    stamps = dict(Region.objects.values_list("code", "updated"))

    output = run(path)

    assert "新增 0，更新 0，未变 7" in output
    assert dict(Region.objects.values_list("code", "updated")) == stamps


@pytest.mark.django_db
def test_changed_name_is_counted_as_updated(tmp_path):
    run(write(tmp_path, GOOD))
    renamed = GOOD.replace("梨树县,county", "梨树区,county")

    result = s.region_import(s.region_rows_read(io.StringIO(renamed)))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 6)
    county = Region.objects.get(code="220322000000")
    assert county.name == "梨树区"
    assert county.level_name == "区"


@pytest.mark.django_db
def test_new_rows_next_to_existing_ones_are_created_and_the_rest_unchanged(tmp_path):
    run(write(tmp_path, GOOD))
    more = GOOD + "220322200000,刘家馆子镇,township,220322000000\n"

    output = run(write(tmp_path, more, name="more.csv"))

    assert "新增 1，更新 0，未变 7" in output


@pytest.mark.django_db
def test_parent_already_in_the_database_is_accepted(tmp_path):
    run(write(tmp_path, HEADER + "220000000000,吉林省,province,\n"))

    output = run(write(tmp_path, HEADER + "220300000000,四平市,city,220000000000\n", name="b.csv"))

    assert "新增 1" in output
    assert Region.objects.get(code="220300000000").parent_id == "220000000000"


@pytest.mark.django_db
def test_an_administrators_region_class_is_kept(tmp_path):
    path = write(tmp_path, GOOD)
    run(path)
    Region.objects.filter(code="220000000000").update(region_class="west")

    output = run(path)

    assert "未变 7" in output
    assert Region.objects.get(code="220000000000").region_class == "west"


BAD_ROWS = [
    pytest.param(
        "220000000000,吉林省,province,\n220322000000,梨树县,county,220300000000\n",
        "第 3 行：上级区划 220300000000 不存在",
        id="parent-missing",
    ),
    pytest.param(
        "22030000000X,四平市,city,220000000000\n",
        s.MSG_ROW_CODE_MALFORMED % {"row": 2, "code": "22030000000X"},
        id="code-not-digits",
    ),
    pytest.param(
        "220300000100,四平市,city,220000000000\n",
        s.MSG_ROW_CODE_MALFORMED % {"row": 2, "code": "220300000100"},
        id="code-gap-in-padding",
    ),
    pytest.param(
        "2203000000001,四平市,city,220000000000\n",
        s.MSG_ROW_CODE_MALFORMED % {"row": 2, "code": "2203000000001"},
        id="code-13-digits",
    ),
    pytest.param(",四平市,city,220000000000\n", "第 2 行：区划代码为空", id="code-empty"),
    pytest.param(
        "220000000000,吉林省,province,\n220300000000,四平市,county,220000000000\n",
        "第 3 行：层级 county（县）与区划代码 220300000000 不符，按补零应为 city（市）",
        id="level-not-matching-padding",
    ),
    pytest.param(
        "220000000000,吉林省,province,\n220300000000,四平市,prefecture,220000000000\n",
        s.MSG_ROW_LEVEL_UNKNOWN % {"row": 3, "level": "prefecture"},
        id="level-unknown",
    ),
    pytest.param(
        "220000000000,吉林省,province,\n220300000000,四平市,,220000000000\n",
        s.MSG_ROW_LEVEL_UNKNOWN % {"row": 3, "level": ""},
        id="level-empty",
    ),
    pytest.param(
        "220000000000,吉林省,province,\n220300000000,四平市,city,\n"
        "220322000000,梨树县,county,220000000000\n",
        s.MSG_ROW_PARENT_MISMATCH
        % {"row": 4, "parent": "220000000000", "code": "220322000000", "expected": "220300000000"},
        id="parent-not-code-parent",
    ),
    pytest.param(
        "220000000000,吉林省,province,\n220300000000,四平市,city,\n",
        s.MSG_ROW_PARENT_MISMATCH
        % {"row": 3, "parent": "", "code": "220300000000", "expected": "220000000000"},
        id="parent-empty-below-province",
    ),
    pytest.param(
        "220000000000,吉林省,province,110000000000\n",
        s.MSG_ROW_PROVINCE_HAS_PARENT
        % {"row": 2, "code": "220000000000", "parent": "110000000000"},
        id="province-with-parent",
    ),
    pytest.param(
        "220000000000,吉林省,province,\n220000000000,吉林,province,\n",
        "第 3 行：区划代码 220000000000 与第 2 行重复",
        id="duplicate-code",
    ),
    pytest.param(
        "220000000000,吉林省,province,\n220300000000,  ,city,220000000000\n",
        "第 3 行：名称为空",
        id="empty-name",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "message"), BAD_ROWS)
def test_bad_row_rejects_the_whole_file_with_its_row_number(tmp_path, body, message):
    # given: a good region in the database and a file whose other rows are good
    run(write(tmp_path, HEADER + "630000000000,青海省,province,\n", name="before.csv"))
    body = body + "510000000000,四川省,province,\n"

    # when
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path, HEADER + body))

    # then
    assert str(message) in str(excinfo.value).splitlines()
    assert list(Region.objects.values_list("code", flat=True)) == ["630000000000"]


@pytest.mark.django_db
def test_every_problem_is_listed_in_row_order(tmp_path):
    body = (
        HEADER
        + "220000000000,吉林省,province,\n"
        + "220300000000,,city,220000000000\n"  # 3: empty name
        + "220322000000,梨树县,town,220300000000\n"  # 4: unknown level
        + "220322100000,梨树镇,township,220399000000\n"  # 5: wrong parent
        + "220000000000,吉林,province,\n"  # 6: duplicate
    )

    with pytest.raises(s.RegionImportError) as excinfo:
        s.region_import(s.region_rows_read(io.StringIO(body)))

    rows = [line.split("：")[0] for line in excinfo.value.errors]
    assert rows == ["第 3 行", "第 4 行", "第 5 行", "第 6 行"]
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_utf8_file_with_bom_is_read(tmp_path):
    output = run(write(tmp_path, GOOD, bom=True))

    assert "新增 7" in output
    assert Region.objects.get(code="220000000000").name == "吉林省"


@pytest.mark.django_db
def test_full_width_digits_and_spaces_in_codes_are_tolerated(tmp_path):
    body = (
        HEADER
        + "２２００００ ０００００ ０,吉林省,province,\n"
        + "２２０３\u3000００００００００,四平市,city, 220000000000 \n"
    )

    output = run(write(tmp_path, body))

    assert "新增 2" in output
    assert Region.objects.get(code="220300000000").parent_id == "220000000000"


@pytest.mark.django_db
def test_file_without_the_expected_header_is_rejected(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path, "代码,名称\n220000000000,吉林省\n"))

    assert str(excinfo.value) == s.MSG_FILE_HEADER % {"columns": "code, name, level, parent_code"}
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_file_that_is_not_utf8_is_rejected(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(GOOD.encode("gbk"))

    with pytest.raises(CommandError, match="UTF-8"):
        run(str(path))


@pytest.mark.django_db
def test_mappings_are_numbered_as_rows_after_a_header():
    rows = [
        {"code": "220000000000", "name": "吉林省", "level": "province", "parent_code": ""},
        {"code": "220300000000", "name": "四平市", "level": "city", "parent_code": "229900000000"},
    ]

    with pytest.raises(s.RegionImportError) as excinfo:
        s.region_import(rows)

    assert excinfo.value.errors[0].startswith("第 3 行：")


@pytest.mark.django_db
def test_shipped_seed_file_loads_the_founding_regions(regions):
    counts = dict(Region.objects.values_list("level").annotate(n=Count("code")).order_by())
    assert counts["province"] == 5
    assert counts["city"] >= 5
    assert Region.objects.filter(code="511725000000", name="渠县", level_name="县").exists()
    # the fixture's file is the settings' file, and a re-run is a no-op
    output = run(str(settings.POVERTY_REGION_SEED_FILE))
    assert "新增 0，更新 0" in output
