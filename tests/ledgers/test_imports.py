"""Imports: good files, each kind of bad file, idempotence, all-or-nothing, the round trip."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from households.ledgers.imports import household_import, import_error_workbook
from households.ledgers.template import template_write
from households.models import AnnualIncome, GuaranteeStatus, Household, Member
from households.services import annual_income_save, guarantee_status_save
from households.validators import id_check_character
from poverty.audit.models import ChangeRecord
from poverty.audit.recording import model_snapshot
from poverty.ledgers.base import ledger_kind_get
from poverty.ledgers.services import ledger_params_for, ledger_write
from poverty.roles import Role
from tests.ledgers.conftest import open_book

pytestmark = pytest.mark.django_db

HH = [
    "户编号",
    "村区划代码",
    "贫困户属性",
    "识别年度",
    "主要致贫原因",
    "其他致贫原因",
    "银行卡号",
    "是否危房户",
    "危房级别",
]
MB = ["户编号", "姓名", "证件号码", "与户主关系", "出生日期", "是否参加城乡居民基本医疗保险"]


def cid(area: str, birth: str, order: str) -> str:
    first17 = f"{area}{birth}{order}"
    return first17 + id_check_character(first17)


def workbook(households, members, *, title_rows=True, extra=None) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "户信息"
    if title_rows:
        ws.append(["某县贫困户信息"])
        ws.merge_cells("A1:F1")
        ws.append(["填报单位：某县"])
    ws.append(HH)
    for row in households:
        ws.append(row)
    ws2 = wb.create_sheet("家庭成员")
    ws2.append(MB)
    for row in members:
        ws2.append(row)
    if extra:
        extra(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def user_of(world, role=Role.COUNTY_OFFICE, key="a"):
    return world.counties[key].users[role]


def good_file(world):
    village = world.counties["a"].villages[1].code
    area = village[:6]
    return workbook(
        [["4312020990001", village, "一般贫困户", 2015, "因病", "缺技术、缺资金", "6222000011112222333", "是", "D级（整幢危房）"],
         ["4312020990002", village, "2", "2016", "01", "", "", "否", ""]],
        [["4312020990001", "王大", cid(area, "19650101", "031"), "户主", "1965-01-01", "是"],
         ["4312020990001", "刘二", cid(area, "19670202", "042"), "配偶", None, "否"],
         ["4312020990002", "赵三", cid(area, "19800303", "051").lower(), "01", None, None]],
    )  # fmt: skip


def test_good_file_checks_then_applies_with_history(world):
    user = user_of(world)
    check = household_import(user, good_file(world), filename="a.xlsx")
    assert check.ok, [p.text() for p in check.problems]
    assert check.counts["households_new"] == 2 and check.counts["members_new"] == 3
    assert not Household.objects.filter(
        household_number="4312020990001"
    ).exists()  # check writes nothing
    outcome = household_import(user, good_file(world), filename="a.xlsx", apply=True)
    assert outcome.applied
    household = Household.objects.get(household_number="4312020990001")
    assert household.other_causes == ["07", "09"] and household.house_grade == "D"
    assert household.bank_account == "6222000011112222333" and household.attribute == "1"
    wife = household.members.get(relation="02")
    assert wife.sex == "2" and wife.birth_date.isoformat() == "1967-02-02"  # from the ID
    assert Member.objects.get(name="赵三").id_number.endswith(
        ("X", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
    )
    records = ChangeRecord.objects.filter(household_id=household.pk)
    assert records.count() == 3 and set(records.values_list("channel", flat=True)) == {"import"}
    assert records.filter(object_type="households.member").count() == 2


def test_a_file_on_disk_is_read_two_sheets_at_a_time_with_the_same_outcome(
    world, tmp_path, monkeypatch
):
    """From a path both sheets are parsed at once (a second workbook handle); the outcome
    and what is written are those of the same file read from memory, one sheet after the
    other — also the problems of a bad file, on their rows."""
    from households.ledgers import imports

    openers = []
    loaded = imports._sheets_loaded

    def spy(book, names, opener):
        openers.append((tuple(names), opener is not None))
        return loaded(book, names, opener)

    monkeypatch.setattr(imports, "_sheets_loaded", spy)
    user = user_of(world)
    path = tmp_path / "a.xlsx"
    path.write_bytes(good_file(world).getvalue())
    from_memory = household_import(user, good_file(world), filename="a.xlsx")
    from_disk = household_import(user, str(path))
    assert from_disk.ok and from_disk.counts == from_memory.counts
    assert from_disk.summary() == from_memory.summary()
    assert openers == [(("户信息", "家庭成员"), False), (("户信息", "家庭成员"), True)]
    bad = good_file(world)
    wb = openpyxl.load_workbook(bad)
    wb["家庭成员"]["C3"] = "123"  # the second member's ID
    wb["户信息"]["C4"] = "不知道"
    wb.save(path)
    buffer = io.BytesIO(path.read_bytes())
    assert (
        household_import(user, str(path)).summary()
        == household_import(user, buffer, filename="a.xlsx").summary()
    )
    outcome = household_import(user, str(path), apply=True)
    assert not outcome.applied and {p.sheet for p in outcome.problems} == {"户信息", "家庭成员"}
    applied = household_import(user, good_file(world), filename="a.xlsx", apply=True)
    path.write_bytes(good_file(world).getvalue())
    again = household_import(user, str(path), apply=True)
    assert applied.applied and again.applied and again.counts["members_unchanged"] == 3


def test_reupload_of_the_same_file_changes_nothing(world):
    user = user_of(world)
    household_import(user, good_file(world), filename="a.xlsx", apply=True)
    before = {h.pk: (h.version, h.updated) for h in Household.objects.all()}
    records = ChangeRecord.objects.count()
    again = household_import(user, good_file(world), filename="a.xlsx", apply=True)
    assert (
        again.applied
        and again.counts["households_unchanged"] == 2
        and again.counts["members_unchanged"] == 3
    )
    assert not again.counts["households_new"] and not again.counts["members_new"]
    assert ChangeRecord.objects.count() == records
    assert {h.pk: (h.version, h.updated) for h in Household.objects.all()} == before


def test_changes_are_applied_to_matching_rows_only(world):
    user = user_of(world)
    household_import(user, good_file(world), filename="a.xlsx", apply=True)
    changed = good_file(world)
    wb = openpyxl.load_workbook(changed)
    wb["户信息"]["D5"] = 2014  # identified year of the second household
    buffer = io.BytesIO()
    wb.save(buffer)
    outcome = household_import(user, io.BytesIO(buffer.getvalue()), filename="a.xlsx", apply=True)
    assert outcome.counts["households_updated"] == 1 and outcome.counts["households_unchanged"] == 1
    household = Household.objects.get(household_number="4312020990002")
    assert household.identified_year == 2014 and household.version == 2


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_written(world):
    village = world.counties["a"].villages[1].code
    area = village[:6]
    good_id = cid(area, "19650101", "031")
    bad_check = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    existing = world.counties["a"].households[0].members.get(relation="01").id_number
    data = workbook(
        [["4312020990001", village, "一般贫困户", 2015, "因病", "因病", "", "是", "A级（安全）"],
         ["4312020990002", "431202999999", "不知道", "", "01", "", 6.22202020011223e18, "否", ""],
         ["4312020990001", village, "一般贫困户", 2015, "因病", "", "", "否", ""]],
        [["4312020990001", "王大", bad_check, "户主", None, "是"],
         ["4312020990001", "刘二", cid(area, "19670202", "042"), "之子", None, None],
         ["4312020990001", "孙四", existing, "之女", None, None],
         ["4312020990001", "钱五", 4.31202197003051e17, "之孙子", None, None],
         ["4312020990001", "周六", cid(area, "19900101", "011"), "之孙子", "1990-02-01", "是"],
         ["9999", "吴七", cid(area, "19900101", "021"), "户主", None, None]],
    )  # fmt: skip
    outcome = household_import(user_of(world), data, filename="bad.xlsx", apply=True)
    texts = [f"{p.sheet} {p.text()}" for p in outcome.problems]
    joined = "\n".join(texts)
    assert not outcome.applied
    assert "户信息 第 4 行 其他致贫原因：其他致贫原因不得与主要致贫原因重复" in texts
    assert "户信息 第 4 行 危房级别：危房户的危房级别应为C级或D级" in texts
    assert "户信息 第 5 行 贫困户属性：“不知道”不是可选的值" in texts
    assert "户信息 第 5 行 识别年度：不能为空" in texts
    assert "第 5 行 银行卡号：银行卡号以数字格式保存" in joined
    assert "户信息 第 6 行 户编号：户编号与第 4 行重复" in texts
    assert "家庭成员 第 2 行 证件号码：公民身份号码校验位错误" in joined
    assert "家庭成员 第 3 行 与户主关系：与户主关系与性别不符" in joined
    household_b = world.counties["a"].households[0].household_number
    assert f"家庭成员 第 4 行 证件号码：证件号码重复，该人员已登记在户{household_b}" in texts
    assert "家庭成员 第 5 行 证件号码：证件号码以数字格式保存，Excel 只保留15位有效数字" in joined
    assert "家庭成员 第 6 行 出生日期：出生日期与证件号码不一致" in joined
    assert "家庭成员 第 7 行 户编号：户编号 9999 不在“户信息”表中" in joined
    assert not Household.objects.filter(household_number__startswith="43120209900").exists()

    # the error workbook: the user's rows, each with the problems named
    buffer = io.BytesIO()
    import_error_workbook(outcome, buffer)
    book = open_book(buffer.getvalue())
    assert book.sheetnames == ["错误汇总", "户信息", "家庭成员"]
    members = book["家庭成员"]
    assert [c.value for c in members[1]][-1] == "错误说明"
    assert "校验位错误" in members["G2"].value and members["B2"].value == "王大"
    assert len(list(book["错误汇总"].iter_rows(min_row=4))) == len(outcome.problems)


def test_out_of_scope_rows_are_refused(world):
    other = world.counties["b"]
    data = workbook(
        [[other.households[0].household_number, other.villages[0].code, "一般贫困户", 2015, "因病", "", "", "否", ""],
         ["4312020990009", other.villages[0].code, "一般贫困户", 2015, "因病", "", "", "否", ""]],
        [],
    )  # fmt: skip
    texts = [p.text() for p in household_import(user_of(world), data, filename="a.xlsx").problems]
    assert "第 4 行 户编号：该户编号已登记在您管辖范围以外的地区，不能导入" in texts
    assert "第 5 行 村区划代码：该村不在您的管辖范围内" in texts


def test_roles_without_import_cannot_import(world):
    outcome = household_import(
        user_of(world, Role.TOWNSHIP_OFFICE), good_file(world), filename="a.xlsx"
    )
    assert not outcome.ok and "不能导入" in outcome.problems[0].message


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "a.xls", "不支持 .xls"),
        ("户编号,姓名\n".encode(), "a.csv", "只接受 .xlsx"),
        (b"GIF89a....", "a.xlsx", "不是有效的 Excel"),
    ],
)
def test_files_that_are_not_xlsx(world, content, filename, message):
    outcome = household_import(user_of(world), io.BytesIO(content), filename=filename)
    assert message in outcome.problems[0].message


def test_a_sheet_without_the_expected_columns(world):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "年龄"])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    outcome = household_import(user_of(world), buffer, filename="a.xlsx")
    assert "未找到可导入的表" in outcome.problems[0].message


def test_headers_with_spaces_full_width_and_extra_columns_blank_rows(world):
    village = world.counties["a"].villages[1].code
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"  # found by its header, not its name
    ws.append(
        ["户 编 号＊", "村区划代码", "贫困户属性", "识别年度", "主要致贫原因", "备注（不导入）"]
    )
    ws.append(["4312020990001", int(village), "一般贫困户", 2015.0, "因病", "随便写"])
    ws.append([None] * 6)
    ws2 = wb.create_sheet("人口")
    ws2.append(["户编号", "姓名", "身份证号", "与户主关系", "出生日期"])
    ws2.append(["4312020990001", "王大", cid(village[:6], "19650101", "031"), "户主", 23743])
    for _ in range(5):
        ws2.append([None, None, None, None, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    outcome = household_import(user_of(world), buffer, filename="a.xlsx", apply=True)
    assert outcome.applied, [p.text() for p in outcome.problems]
    assert Member.objects.get(name="王大").birth_date.isoformat() == "1965-01-01"


def test_template_has_dropdowns_notes_and_examples_that_are_not_imported(world):
    buffer = io.BytesIO()
    template_write("households", buffer, village_code=world.counties["a"].villages[0].code)
    book = open_book(buffer.getvalue())
    assert book.sheetnames == [
        "填表说明",
        "户信息",
        "家庭成员",
        "示例-户信息",
        "示例-家庭成员",
        "代码表",
    ]
    assert book["代码表"].sheet_state == "hidden"
    validations = book["户信息"].data_validations.dataValidation
    assert any("代码表" in v.formula1 for v in validations) and any(
        v.formula1 == '"是,否"' for v in validations
    )
    assert book["户信息"].cell(4, 1).number_format == "@" or book["户信息"].column_dimensions["A"]
    notes = [r[1] for r in book["填表说明"].iter_rows(min_row=4, values_only=True)]
    assert "证件号码" in notes and "户编号" in notes
    buffer.seek(0)
    outcome = household_import(user_of(world), buffer, filename="t.xlsx")
    assert outcome.counts.get("households_new", 0) == 0  # examples are never imported
    # the examples are valid: copied into the data sheets they import cleanly
    example = template_example_as_data(buffer)
    outcome = household_import(user_of(world), example, filename="e.xlsx", apply=True)
    assert outcome.applied, [p.text() for p in outcome.problems]


def template_example_as_data(buffer):
    buffer.seek(0)
    book = openpyxl.load_workbook(buffer)
    for name in ("户信息", "家庭成员"):
        for row in book[f"示例-{name}"].iter_rows(min_row=4, values_only=True):
            book[name].append(row)
        del book[f"示例-{name}"]
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_import_command_dry_run_and_errors(world, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(good_file(world).getvalue())
    call_command("import_households", str(path), "--dry-run")
    assert not Household.objects.filter(household_number="4312020990001").exists()
    call_command("import_households", str(path))
    assert Household.objects.filter(household_number="4312020990001").exists()
    bad = tmp_path / "b.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_households", str(bad))


def _state(numbers):
    households = Household.objects.filter(household_number__in=numbers)
    skip = {"id", "household_id", "version", "registered_village_code", "checked_by_id"}

    def clean(snapshot):
        return {k: v for k, v in snapshot.items() if k not in skip}

    return {
        h.household_number: (
            clean(model_snapshot(h)),
            sorted(tuple(sorted(clean(model_snapshot(m)).items())) for m in h.members.all()),
            sorted(
                tuple(sorted(clean(model_snapshot(i)).items()))
                for i in AnnualIncome.objects.filter(household=h)
            ),
            sorted(
                tuple(sorted(clean(model_snapshot(g)).items()))
                for g in GuaranteeStatus.objects.filter(household=h)
            ),
        )
        for h in households
    }


def test_round_trip_export_a_county_and_import_into_an_empty_database(world):
    user = user_of(world)
    county = world.counties["a"]
    for index, household in enumerate(county.households):
        annual_income_save(actor=None, household=household, year=2019, expected_version=None, data={
            "wage": Decimal(1000 + index), "dibao": Decimal("2400.50"), "business_costs": Decimal("10")})  # fmt: skip
        guarantee_status_save(actor=None, household=household, year=2019, expected_version=None,
                              data={"food": "met", "water": "not_met", "evidence_note": "入户核查"})  # fmt: skip
    Household.objects.filter(pk=county.households[1].pk).update(
        other_causes=["07"],
        is_dangerous_house=True,
        house_grade="C",
        cultivated_land_mu=Decimal("2.50"),
    )
    Member.objects.filter(household=county.households[2], relation="03").update(
        is_active=False, change_reason="02", changed_on="2019-05-01")  # fmt: skip
    numbers = [h.household_number for h in county.households]
    before = _state(numbers)

    buffer = io.BytesIO()
    ledger_write(ledger_kind_get("households_package"), ledger_params_for(user, year=2019), buffer)
    # the empty database: county A's registry is gone
    Household.objects.filter(household_number__in=numbers).delete()
    assert not Household.objects.filter(household_number__in=numbers).exists()

    buffer.seek(0)
    outcome = household_import(user, buffer, filename="package.xlsx", apply=True)
    assert outcome.applied, [p.text() for p in outcome.problems][:10]
    assert outcome.counts["households_new"] == 6 and outcome.counts["members_new"] == 18
    assert outcome.counts["incomes_new"] == 6 and outcome.counts["guarantees_new"] == 6
    assert _state(numbers) == before


def test_copy_text_escapes_for_postgres_copy():
    import datetime

    from households.ledgers.imports import _copy_text

    assert _copy_text(None) == "\\N" and _copy_text("") == ""
    assert (_copy_text(True), _copy_text(False)) == ("t", "f")
    assert _copy_text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert _copy_text(["01", "07"]) == '{"01","07"}' and _copy_text([]) == "{}"
    assert _copy_text(Decimal("2.50")) == "2.50" and _copy_text(datetime.date(2019, 3, 5)) == (
        "2019-03-05"
    )


def test_new_rows_keep_awkward_text_and_get_ids_history_and_timestamps(world):
    village = world.counties["a"].villages[1].code
    area = village[:6]

    def names(wb):
        wb["家庭成员"]["B2"] = '王\\大 "小"\t名'

    buffer = workbook(
        [["4312020990001", village, "一般贫困户", 2015, "因病", "缺技术、缺资金", "", "否", ""]],
        [["4312020990001", "王大", cid(area, "19650101", "031"), "户主", None, "是"]],
        extra=names,
    )  # fmt: skip
    outcome = household_import(user_of(world), buffer, filename="a.xlsx", apply=True)
    assert outcome.applied, [p.text() for p in outcome.problems]
    household = Household.objects.get(household_number="4312020990001")
    member = household.members.get()
    assert member.name == '王\\大 "小"\t名' and len(household.other_causes) == 2
    assert household.created is not None and member.updated is not None
    assert ChangeRecord.objects.filter(object_id=str(member.pk)).exists()


def _lock_exit_year(household, year=2019):
    from django.utils import timezone

    from assessment.models import HouseholdYearLock, Procedure

    procedure = Procedure.objects.create(
        kind="household_exit", year=year, household=household, division_code=household.village_id
    )
    return HouseholdYearLock.objects.create(
        household=household, year=year, procedure=procedure, locked_at=timezone.now()
    )


def _yearly_file(number: str, households=None) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度收入"
    ws.append(["户编号", "年度", "工资性收入", "低保金"])
    ws.append([number, 2019, 5000, 1200])  # row 2: the locked year
    ws.append([number, 2020, 6000, 1200])  # row 3: a year that is not locked
    ws2 = wb.create_sheet("两不愁三保障")
    ws2.append(["户编号", "年度", "不愁吃", "饮水安全"])
    ws2.append([number, 2019, "达标", "达标"])
    if households:
        ws3 = wb.create_sheet("户信息")
        ws3.append(HH[:5] + ["脱贫属性", "脱贫年度"])
        for row in households:
            ws3.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def test_a_locked_exit_year_cannot_be_changed_by_an_import(world):
    """An approved exit locks the household's exit-year incomes, guarantee checks and exit
    result (assessment HouseholdYearLock): the import reports each such row, writes nothing,
    and goes through once the county office has reopened the year."""
    user = user_of(world)
    household = world.counties["a"].households[0]
    annual_income_save(actor=None, household=household, year=2019, expected_version=None,
                       data={"wage": Decimal("4000"), "dibao": Decimal("1200")})  # fmt: skip
    lock = _lock_exit_year(household)
    number = household.household_number
    row = [number, household.village_id, "一般贫困户", household.identified_year, "因病"]
    outcome = household_import(
        user, _yearly_file(number, [[*row, "已脱贫", 2019]]), filename="a.xlsx", apply=True
    )
    texts = [f"{p.sheet} {p.text()}" for p in outcome.problems]
    assert not outcome.applied
    assert "年度收入 第 2 行 年度：该户 2019 年退出数据已锁定，需县扶贫办解锁" in texts
    assert "两不愁三保障 第 2 行 年度：该户 2019 年退出数据已锁定，需县扶贫办解锁" in texts
    assert "户信息 第 2 行 脱贫属性：该户 2019 年退出数据已锁定，需县扶贫办解锁" in texts
    assert not any("第 3 行" in t for t in texts)  # 2020 is not locked
    assert len(texts) == 3
    income = AnnualIncome.objects.get(household=household, year=2019)
    assert income.wage == Decimal("4000") and not AnnualIncome.objects.filter(year=2020).exists()
    assert not GuaranteeStatus.objects.filter(household=household).exists()
    # the error workbook names the problem on the user's row
    buffer = io.BytesIO()
    import_error_workbook(outcome, buffer)
    sheet = open_book(buffer.getvalue())["年度收入"]
    assert (
        sheet.cell(2, sheet.max_column).value
        == "第 2 行 年度：该户 2019 年退出数据已锁定，需县扶贫办解锁"
    )

    # a re-upload of what is stored changes nothing, so it is not refused
    same = _yearly_file(number)
    wb = openpyxl.load_workbook(same)
    wb["年度收入"].delete_rows(3)
    wb["年度收入"]["C2"], wb["年度收入"]["D2"] = 4000, 1200
    del wb["两不愁三保障"]
    unchanged = io.BytesIO()
    wb.save(unchanged)
    unchanged.seek(0)
    again = household_import(user, unchanged, filename="a.xlsx", apply=True)
    assert again.applied and again.counts["incomes_unchanged"] == 1, [
        p.text() for p in again.problems
    ]

    # reopened by the county office: the same file goes through
    lock.reopened_at = lock.locked_at
    lock.save(update_fields=["reopened_at"])
    outcome = household_import(
        user, _yearly_file(number, [[*row, "已脱贫", 2019]]), filename="a.xlsx", apply=True
    )
    assert outcome.applied, [p.text() for p in outcome.problems]
    assert AnnualIncome.objects.get(household=household, year=2019).wage == Decimal("5000")
    household.refresh_from_db()
    assert household.status == "exited" and household.exit_year == 2019
