"""走访台账, 排名表 and 一户一档's 走访记录, opened with openpyxl and checked against the database."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment.models import RankingConfig, RankingEntry
from assistance.models import Visit
from tests.ledgers.conftest import data_rows, header
from tests.ledgers.test_exports import county_user, export

pytestmark = pytest.mark.django_db


def visit(household, day, **fields):
    return Visit.objects.create(
        household=household, division_code=household.village_id, visitor_name="干部a",
        visited_on=day, findings=fields.pop("findings", "了解收入情况"), **fields,
    )  # fmt: skip


def test_visit_ledger_rows_year_and_scope(world):
    household = world.counties["a"].households[0]
    visit(household, datetime.date(2019, 3, 5), kind="phone", demands="修路",
          follow_up_needed=True, follow_up_note="联系交通局",
          latitude=Decimal("27.550000"), longitude=Decimal("109.950000"))  # fmt: skip
    visit(household, datetime.date(2018, 6, 1))  # another year: not in the 2019 ledger
    visit(world.counties["b"].households[0], datetime.date(2019, 4, 1))  # another county
    book, rows = export("visit_ledger", county_user(world))
    ws = book["走访台账"]
    assert rows == 1
    assert ws["A1"].value == "湖南省怀化市鹤城区走访台账（2019年度）"
    assert ws.freeze_panes == "A4"
    row = dict(zip(header(ws), data_rows(ws)[0], strict=True))
    assert row["走访日期"] == datetime.datetime(2019, 3, 5)
    assert ws.cell(4, 4).number_format == "yyyy-mm-dd"
    assert row["户编号"] == household.household_number and ws.cell(4, 8).data_type == "s"
    assert row["户主姓名"] == household.members.get(relation="01").name
    assert (row["走访方式"], row["走访人身份"], row["群众诉求"]) == ("电话", "帮扶责任人", "修路")
    assert (row["需要跟进"], row["跟进事项"]) == ("是", "联系交通局")
    assert row["GPS位置"] == "27.550000,109.950000" and row["户主签字"] is None


def test_visit_ledger_of_the_other_county_is_empty_for_this_user(world):
    visit(world.counties["b"].households[0], datetime.date(2019, 4, 1))
    _book, rows = export("visit_ledger", county_user(world))
    assert rows == 0


def test_household_file_has_the_visits(world):
    household = world.counties["a"].households[0]
    visit(household, datetime.date(2019, 3, 5))
    visit(household, datetime.date(2018, 6, 1), findings="第一次走访")
    book, _rows = export("household_file", county_user(world), household_id=household.pk)
    rows = data_rows(book["走访记录"])
    assert [r[3] for r in rows] == [datetime.datetime(2018, 6, 1), datetime.datetime(2019, 3, 5)]
    assert rows[0][9] == "第一次走访"


def test_rankings_ledger_one_sheet_per_ranking(world):
    county = world.counties["a"]
    config = RankingConfig.objects.create(
        name="乡镇脱贫攻坚排名", region_code=county.code.ljust(12, "0"), unit_level="township",
        weights={"exit_progress": 60, "pairing_coverage": 40}, bottom_n=1,
    )  # fmt: skip
    now = timezone.now()
    RankingEntry.objects.create(
        config=config, year=2019, region_code=county.township.code, region_name="一镇", rank=1,
        score=Decimal("87.50"), indicators={"exit_progress": 0.875, "pairing_coverage": 1.0, "incidence_low": 0.97},
        computed_at=now,
    )  # fmt: skip
    RankingEntry.objects.create(
        config=config, year=2019, region_code=county.code[:6] + "101000", region_name="二镇",
        rank=2, score=Decimal("40.00"), indicators={"exit_progress": 0.4},
        missing=["pairing_coverage"], is_bottom=True, computed_at=now,
    )  # fmt: skip
    book, rows = export("rankings", county_user(world))
    assert rows == 2 and book.sheetnames == ["乡镇脱贫攻坚排名"]
    ws = book["乡镇脱贫攻坚排名"]
    first, second = (dict(zip(header(ws), r, strict=True)) for r in data_rows(ws))
    assert (first["名次"], first["名称"], first["得分"]) == (1, "一镇", 87.5)
    assert first["脱贫进度（已脱贫户占比）（%）"] == 87.5
    assert first["结对帮扶覆盖率（%）"] == 100
    assert first["贫困发生率（%）"] == 3  # stored as 1 − incidence, shown as the rate
    assert ws.cell(4, 2).data_type == "s"  # region codes as text
    assert second["是否末位"] == "是" and second["缺少数据的指标"] == "结对帮扶覆盖率"
    # the other county's office sees none of them
    _book, rows = export("rankings", county_user(world, "b"))
    assert rows == 0
