"""Every exported ledger, opened with openpyxl and checked against the database."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from households.ledgers.exports import (
    MEMBER_ROSTER_COLUMNS,
    ROSTER_COLUMNS,
    member_in_household_as_of,
    status_as_of,
)
from households.models import HouseholdStatusChange, Member
from households.services import annual_income_save, guarantee_status_save
from poverty.exceptions import BusinessRuleError
from poverty.ledgers.base import ledger_kind_get, ledger_kinds
from poverty.ledgers.services import ledger_params_for, ledger_write
from poverty.masking import mask_bank_account, mask_id_number
from poverty.models import AccessEvent, AccessLog
from poverty.roles import Role
from tests.ledgers.conftest import data_rows, header, open_book

pytestmark = pytest.mark.django_db

NATIONAL_ORDER = (
    "省 市 县 乡 村 户编号 户主姓名 户主证件号码 家庭人口数 是否危房户 人均纯收入 年收入 是否解决安全饮用水 年度 "
    "开户银行名称 银行卡号 识别标准 主要致贫原因 次要致贫原因 工资性收入 生产经营性收入 财产性收入 转移性收入 计划生育金 "
    "低保金 五保金 养老保险金 生态补偿金 其他转移性收入 生产经营性支出 纯收入 资产收益扶贫分红收入 其他财产性收入"
).split()


def export(kind: str, user, **kwargs) -> tuple:
    buffer = io.BytesIO()
    params = ledger_params_for(user, year=kwargs.pop("year", 2019), **kwargs)
    _plan, rows = ledger_write(ledger_kind_get(kind), params, buffer)
    return open_book(buffer.getvalue()), rows


def county_user(world, key="a", role=Role.COUNTY_OFFICE):
    return world.counties[key].users[role]


def test_roster_columns_follow_the_national_order():
    headers = [c.header for c in ROSTER_COLUMNS]
    assert headers[0] == "序号"
    assert headers[1 : 1 + len(NATIONAL_ORDER)] == NATIONAL_ORDER


def test_roster_rows_match_the_database_and_stay_in_scope(world):
    user = county_user(world)
    household = world.counties["a"].households[0]
    annual_income_save(actor=None, household=household, year=2019, expected_version=None, data={
        "wage": Decimal("12000"), "business": Decimal("3000"), "property_dividend": Decimal("500"),
        "dibao": Decimal("2400"), "business_costs": Decimal("1500")})  # fmt: skip
    book, rows = export("households_roster", user)
    ws = book["贫困户花名册"]
    assert ws["A1"].value == "湖南省怀化市鹤城区建档立卡贫困户花名册（2019年度）"
    assert "单位：元" in ws["A2"].value and "数据年度：2019年" in ws["A2"].value
    assert header(ws) == [c.header for c in ROSTER_COLUMNS]
    body = data_rows(ws)
    assert rows == len(body) == 6  # county A only
    numbers = [r[6] for r in body]
    assert numbers == sorted(h.household_number for h in world.counties["a"].households)
    assert not set(numbers) & {h.household_number for h in world.counties["b"].households}
    row = dict(zip(header(ws), body[0], strict=True))
    head = household.members.get(relation="01")
    assert row["户主证件号码"] == head.id_number  # county office sees it whole
    assert row["银行卡号"] == "6222020200112233445" and row["联系电话"] == "13912345678"
    assert (
        row["家庭人口数"] == 3
        and row["主要致贫原因"] == "因病"
        and row["贫困户属性"] == "一般贫困户"
    )
    assert row["年收入"] == 17900 and row["纯收入"] == 16400 and row["人均纯收入"] == 5466.67
    assert row["财产性收入"] == 500 and row["转移性收入"] == 2400 and row["低保金"] == 2400
    assert ws.cell(4, header(ws).index("人均纯收入") + 1).number_format == "#,##0.00"
    assert ws.cell(4, header(ws).index("户主证件号码") + 1).data_type == "s"
    assert row["帮扶责任人"] == "干部a" and row["帮扶单位"] == "县农业农村局"
    second = dict(zip(header(ws), body[1], strict=True))
    assert second["年收入"] is None  # no income recorded that year: blank, not zero


def test_roster_rows_read_as_joined_texts_equal_the_rows_read_as_arrays(world, monkeypatch):
    """The roster reads each row as one text of values joined by ROSTER_SEPARATOR; a batch
    where a value holds that character is read again as arrays. Both give the same sheet;
    a name, bank or cadre holding the character comes out as the array path writes it."""
    from assistance.models import Cadre
    from households.ledgers import exports

    household = world.counties["a"].households[0]
    annual_income_save(actor=None, household=household, year=2019, expected_version=None,
                       data={"wage": Decimal("12000.5"), "business_costs": Decimal("1500")})  # fmt: skip
    for role in (Role.COUNTY_OFFICE, Role.INSPECTOR):
        user = county_user(world, role=role)
        joined = data_rows(export("households_roster", user)[0].active)
        monkeypatch.setattr(exports, "ROSTER_WIDTH", 0)  # no row fits: every batch as arrays
        arrays = data_rows(export("households_roster", user)[0].active)
        monkeypatch.undo()
        assert joined == arrays and len(joined) == 6
    sep = exports.ROSTER_SEPARATOR
    reads = []
    real = exports._prefetched

    def spy(chunks, read):
        for rows in real(chunks, read):
            reads.append({type(r) for r in rows})
            yield rows

    monkeypatch.setattr(exports, "_prefetched", spy)
    export("households_roster", county_user(world))
    assert reads == [{str}]  # joined texts
    reads.clear()
    type(household).objects.filter(pk=household.pk).update(
        bank_name=f"农{sep}行", bank_account=f"6222{sep}020200112233445"
    )
    Cadre.objects.filter(name="干部a").update(unit_name=f"县农业{sep}农村局")
    book, _rows = export("households_roster", county_user(world))
    row = dict(zip(header(book.active), data_rows(book.active)[0], strict=True))
    assert reads == [{list}]  # read again as arrays
    assert row["开户银行名称"] == "农行" and row["银行卡号"] == "6222020200112233445"
    assert row["帮扶单位"] == "县农业农村局"  # the writer drops the control character
    book, _rows = export("households_roster", county_user(world, role=Role.INSPECTOR))
    row = dict(zip(header(book.active), data_rows(book.active)[0], strict=True))
    assert row["银行卡号"] == mask_bank_account(f"6222{sep}020200112233445").replace(sep, "")


def test_inspectors_get_masked_ids_phones_and_bank_accounts(world):
    book, _rows = export("households_roster", county_user(world, role=Role.INSPECTOR))
    row = dict(zip(header(book.active), data_rows(book.active)[0], strict=True))
    head = world.counties["a"].households[0].members.get(relation="01")
    assert row["户主证件号码"] == mask_id_number(head.id_number) != head.id_number
    assert row["银行卡号"] == "6222***********3445" and row["联系电话"] == "139****5678"
    members, _ = export("members_roster", county_user(world, role=Role.INSPECTOR))
    ids = [r[8] for r in data_rows(members.active)]
    assert all("*" in value for value in ids)


def test_region_outside_the_users_scope_is_refused(world):
    with pytest.raises(BusinessRuleError):
        ledger_params_for(county_user(world), region=world.counties["b"].code, year=2019)
    with pytest.raises(BusinessRuleError):
        ledger_params_for(world.city_leader, year=2019)  # no export action


def test_township_region_narrows_and_filters_apply(world):
    user = county_user(world)
    township = world.counties["a"].township.code
    book, rows = export("households_roster", user, region=township)
    assert rows == 4 and book.active["A1"].value.startswith("鹤城区鹤城区一镇建档立卡")
    book, rows = export(
        "households_roster", user, filters={"q": world.counties["a"].households[2].household_number}
    )
    assert rows == 1


def test_member_roster_as_of_a_year(world):
    user = county_user(world)
    household = world.counties["a"].households[0]
    son = household.members.get(relation="03")
    Member.objects.filter(pk=son.pk).update(
        is_active=False, change_reason="08", changed_on=datetime.date(2020, 6, 1)
    )
    book, rows = export("members_roster", user, year=2019)
    ws = book["人口明细"]
    assert header(ws) == [c.header for c in MEMBER_ROSTER_COLUMNS]
    assert rows == 18  # the son left in 2020: still in the 2019 roster
    row = dict(zip(header(ws), data_rows(ws)[0], strict=True))
    head = household.members.get(relation="01")
    assert row["姓名"] == head.name and row["出生日期"] == datetime.datetime.combine(
        head.birth_date, datetime.time()
    )
    assert (
        row["性别"] == "男"
        and row["与户主关系"] == "户主"
        and row["是否参加城乡居民基本医疗保险"] == "是"
    )
    _book, rows_2020 = export("members_roster", user, year=2020)
    assert rows_2020 == 17


def test_as_of_rules():
    assert member_in_household_as_of({"birth_date": datetime.date(2021, 1, 1)}, 2020) is False
    assert (
        member_in_household_as_of(
            {"is_active": True, "change_reason": "06", "changed_on": datetime.date(2021, 2, 1)},
            2020,
        )
        is False
    )
    changes = [{"year": 2018, "from_status": "poor", "to_status": "exited"}]
    assert status_as_of("exited", changes, 2017) == "poor"
    assert status_as_of("exited", changes, 2019) == "exited"
    assert status_as_of("poor", [], 2016) == "poor"


def _d(text):
    return datetime.date.fromisoformat(text) if text else None


MEMBER_CASES = [
    # (birth_date, is_active, change_reason, changed_on) around the year 2020
    (None, True, "", None),
    ("2020-12-31", True, "", None),  # born on the last day: counted
    ("2021-01-01", True, "06", "2021-01-01"),  # born the day after: not
    ("1970-01-01", False, "02", None),  # left, no date: not
    ("1970-01-01", False, "02", "2020-12-31"),  # left within the year: not
    ("1970-01-01", False, "03", "2021-01-01"),  # left after the year: still there
    ("1990-05-01", True, "05", "2020-12-31"),  # married in within the year: counted
    ("1990-05-01", True, "05", "2021-01-01"),  # married in after the year: not
    ("1990-05-01", True, "07", None),  # joined, no date: counted
    ("1990-05-01", True, "02", "2022-03-01"),  # a leaving reason while active: counted
    ("2020-06-01", True, "06", "2020-06-01"),  # born and registered within the year
]


@pytest.mark.parametrize("year", [2019, 2020, 2021])
def test_member_as_of_rule_in_sql_equals_the_python_rule(year):
    """The roster counts members in SQL (member_in_household_as_of_sql): same answers."""
    from django.db import connection

    from households.ledgers.exports import member_in_household_as_of_sql

    condition = member_in_household_as_of_sql("m")
    for birth, active, reason, changed in MEMBER_CASES:
        member = {"birth_date": _d(birth), "is_active": active, "change_reason": reason,
                  "changed_on": _d(changed)}  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + condition + " FROM (SELECT %(b)s::date AS birth_date, %(a)s AS "
                "is_active, %(r)s::varchar AS change_reason, %(c)s::date AS changed_on) m",
                {"b": member["birth_date"], "a": active, "r": reason, "c": member["changed_on"],
                 "as_of_next": datetime.date(year + 1, 1, 1)},
            )  # fmt: skip
            in_sql = cursor.fetchone()[0]
        assert in_sql is member_in_household_as_of(member, year), (member, year)


@pytest.mark.parametrize("year", [2015, 2016, 2017, 2018, 2019, 2020])
def test_status_as_of_in_sql_equals_the_python_rule(world, year):
    from django.db import connection

    from households.ledgers.exports import status_as_of_sql

    household = world.counties["a"].households[0]
    changes = [(2016, "2016-03-01", "poor", "exited"), (2018, "2018-01-05", "exited", "returned"),
               (2018, "2018-11-01", "returned", "exited"), (2019, "2019-06-01", "", "monitored")]  # fmt: skip
    for change_year, day, before, after in changes:
        HouseholdStatusChange.objects.create(household=household, year=change_year,
                                             from_status=before, to_status=after,
                                             changed_on=_d(day))  # fmt: skip
    rows = [{"year": y, "from_status": b, "to_status": a} for y, _d2, b, a in changes]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {status_as_of_sql('h')} FROM households_household h WHERE h.id = %(pk)s",
            {"pk": household.pk, "year": year},
        )
        assert cursor.fetchone()[0] == status_as_of(household.status, rows, year)


def test_status_and_exit_year_as_of_the_year(world):
    household = world.counties["a"].households[0]
    HouseholdStatusChange.objects.create(household=household, year=2018, from_status="poor",
                                         to_status="exited", changed_on=datetime.date(2018, 11, 1))  # fmt: skip
    type(household).objects.filter(pk=household.pk).update(status="exited", exit_year=2018)
    user = county_user(world)
    for year, status, exit_year in ((2017, "未脱贫", None), (2019, "已脱贫", 2018)):
        book, _ = export("households_roster", user, year=year)
        row = dict(zip(header(book.active), data_rows(book.active)[0], strict=True))
        assert (row["脱贫属性"], row["脱贫年度"]) == (status, exit_year)


def test_income_worksheet_uses_the_income_formula(world):
    household = world.counties["a"].households[1]
    annual_income_save(actor=None, household=household, year=2019, expected_version=None, data={
        "wage": Decimal("1000.10"), "pension": Decimal("88"), "business_costs": Decimal("100")})  # fmt: skip
    book, rows = export("income_worksheet", county_user(world))
    ws = book["收入测算"]
    assert rows == 6
    row = dict(zip(header(ws), data_rows(ws)[1], strict=True))
    assert row["户编号"] == household.household_number
    assert row["年收入"] == 1088.1 and row["纯收入"] == 988.1 and row["家庭人口数"] == 3
    assert row["人均纯收入"] == 329.37 and row["户主签字"] is None
    # the 2019 poverty line from the seeded policy standards (assessment), and the verdict
    from assessment.selectors import standard_value

    line = standard_value("poverty_line", county_user(world).profile.region_code, 2019).value
    assert row["扶贫标准（元/人·年）"] == float(line) and row["测算结果"] == "低于标准"
    assert dict(zip(header(ws), data_rows(ws)[0], strict=True))["测算结果"] == "未录入收入"


def test_pairing_ledger(world):
    book, rows = export("pairing_ledger", county_user(world))
    ws = book["结对帮扶"]
    assert rows == 1
    row = dict(zip(header(ws), data_rows(ws)[0], strict=True))
    household = world.counties["a"].households[0]
    assert row["姓名"] == "干部a" and row["户编号"] == household.household_number
    assert row["帮扶户主姓名"] == household.members.get(relation="01").name
    assert row["帮扶起始时间"] == datetime.datetime(2016, 1, 1) and row["单位隶属关系"] == "县"


def test_village_ledger_counts_from_the_registry(world):
    household = world.counties["a"].households[0]
    type(household).objects.filter(pk=household.pk).update(is_dangerous_house=True, house_grade="D")
    book, rows = export("village_ledger", county_user(world))
    ws = book["贫困村台账"]
    assert rows == 3
    row = dict(zip(header(ws), data_rows(ws)[0], strict=True))
    assert row["村区划代码"] == world.counties["a"].villages[0].code
    assert (row["是否贫困村"], row["建档立卡户数"], row["建档立卡人口数"], row["危房户数"]) == (
        "是",
        2,
        6,
        1,
    )
    assert row["第一书记"] == "书记a" and row["派驻单位"] == "县财政局"


def test_household_file_has_a_sheet_per_part(world):
    household = world.counties["a"].households[0]
    guarantee_status_save(actor=None, household=household, year=2019, expected_version=None,
                          data={"food": "met", "water": "not_met"})  # fmt: skip
    book, _rows = export("household_file", county_user(world), household_id=household.pk)
    assert book.sheetnames[:6] == [
        "基本情况",
        "家庭成员",
        "收入测算",
        "两不愁三保障",
        "帮扶责任人",
        "状态变更",
    ]
    basic = {r[0]: r[1] for r in data_rows(book["基本情况"])}
    assert basic["户编号"] == household.household_number and basic["主要致贫原因"] == "因病"
    assert len(data_rows(book["家庭成员"])) == 3
    assert data_rows(book["两不愁三保障"])[0][:2] == (2019, "达标")
    assert book["基本情况"].page_setup.orientation == "landscape"


def test_household_file_of_another_county_is_not_found(world):
    from django.http import Http404

    other = world.counties["b"].households[0]
    with pytest.raises(Http404):
        export("household_file", county_user(world), household_id=other.pk)


def test_split_into_sheets_with_a_small_limit(world, settings):
    settings.LEDGER_MAX_ROWS_PER_SHEET = 4
    book, rows = export("households_roster", county_user(world))
    assert rows == 6 and book.sheetnames == ["贫困户花名册", "贫困户花名册(2)"]
    assert [r[0] for ws in book.worksheets for r in data_rows(ws)] == [1, 2, 3, 4, 5, 6]


def test_every_kind_writes_a_readable_workbook(world):
    user = county_user(world)
    for kind in ledger_kinds():
        book, _ = export(kind.key, user, household_id=world.counties["a"].households[0].pk)
        assert book.sheetnames


def test_export_command_writes_the_file_and_logs_it(world, tmp_path):
    out = tmp_path / "roster.xlsx"
    call_command("export_ledger", "households_roster", "--region", world.counties["b"].code,
                 "--year", "2019", "--out", str(out))  # fmt: skip
    book = open_book(str(out))
    assert len(data_rows(book.active)) == 6
    log = AccessLog.objects.filter(event=AccessEvent.EXPORT).latest("at")
    assert (
        log.username == "command"
        and log.detail["ledger"] == "households_roster"
        and log.detail["rows"] == 6
    )
