"""Visit (走访) and pairing (结对帮扶) imports: good files, each kind of bad row, scope,
idempotent re-upload, all-or-nothing, templates, the command, the page, and the round trip
from the 走访台账 / 结对帮扶台账 exports (real .xlsx files written and read back)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from assistance.ledger_imports import location_parse, pairing_import, visit_import
from assistance.models import Cadre, CadrePairing, Visit
from households.ledgers.imports import import_error_workbook
from households.ledgers.template import template_write
from poverty.audit.models import ChangeRecord
from poverty.jobs.models import JobRun, JobStatus
from poverty.roles import Role
from tests.ledgers.conftest import open_book
from tests.ledgers.test_exports import export

pytestmark = pytest.mark.django_db

VISIT_HEADER = ["走访日期", "走访人", "走访人身份", "户编号", "走访方式", "了解情况", "群众诉求",
                "需要跟进", "跟进事项", "GPS位置"]  # fmt: skip
PAIRING_HEADER = ["姓名", "单位名称", "单位隶属关系", "职务", "联系电话", "户编号", "帮扶起始时间",
                  "结束时间", "结束原因"]  # fmt: skip


def sheet_file(name: str, header: list, rows: list, *, title=True) -> io.BytesIO:
    """A real .xlsx written by openpyxl, with a merged title row above the header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = name
    if title:
        ws.append(["某县" + name])
        ws.merge_cells("A1:F1")
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def county(world, key="a"):
    return world.counties[key]


def user_of(world, key="a", role=Role.COUNTY_OFFICE):
    return world.counties[key].users[role]


def visit_rows(world):
    a = county(world)
    first, second = a.households[0].household_number, a.households[1].household_number
    return [
        [datetime.date(2019, 3, 5), "干部a", None, first, "入户走访", "了解收入", "修路", "是",
         "联系交通局", "27.55,109.95"],
        [datetime.date(2019, 4, 1), "书记a", "", second, "电话", "电话了解务工", "", "否", "", ""],
        ["2019年5月6日", "张三", "县乡干部", first, "phone", "核实饮水", "", "", "", None],
    ]  # fmt: skip


def visit_file(world):
    return sheet_file("走访记录", VISIT_HEADER, visit_rows(world))


# --- Visits ------------------------------------------------------------------------------------


def test_visit_file_checks_then_applies_with_history_and_links_the_cadre(world):
    user = user_of(world)
    check = visit_import(user, visit_file(world), filename="v.xlsx")
    assert check.ok, [p.text() for p in check.problems]
    assert check.counts["visits_new"] == 3 and not Visit.objects.exists()  # check writes nothing
    outcome = visit_import(user, visit_file(world), filename="v.xlsx", apply=True)
    assert outcome.applied and Visit.objects.count() == 3
    a = county(world)
    visit = Visit.objects.get(visitor_name="干部a")
    assert visit.household_id == a.households[0].pk and visit.division_code == a.villages[0].code
    # 干部a is the household's paired cadre: the visit is the cadre's, role derived.
    assert visit.cadre == a.cadre and visit.visitor_id == a.cadre.user_id
    assert visit.visitor_role == "cadre" and visit.kind == "home" and visit.demands == "修路"
    assert visit.follow_up_needed and visit.follow_up_note == "联系交通局"
    assert not visit.photo and visit.client_token is None and visit.created and visit.updated
    assert (visit.latitude, visit.longitude) == (Decimal("27.550000"), Decimal("109.950000"))
    # 书记a is the village's first secretary; 张三 is named 县乡干部 with the kind's code 02.
    secretary = Visit.objects.get(visitor_name="书记a")
    assert secretary.visitor_role == "first_secretary" and secretary.kind == "phone"
    assert secretary.cadre is None and secretary.latitude is None
    official = Visit.objects.get(visitor_name="张三")
    assert official.visited_on == datetime.date(2019, 5, 6) and official.visitor_role == "official"
    assert official.kind == "phone" and not official.follow_up_needed
    records = ChangeRecord.objects.filter(object_type="assistance.visit")
    assert records.count() == 3 and set(records.values_list("channel", flat=True)) == {"import"}
    assert set(records.values_list("household_id", flat=True)) == {
        a.households[0].pk,
        a.households[1].pk,
    }


def test_visit_reupload_changes_nothing_and_a_changed_row_updates_only_it(world):
    user = user_of(world)
    visit_import(user, visit_file(world), apply=True)
    before = {v.pk: v.updated for v in Visit.objects.all()}
    records = ChangeRecord.objects.count()
    again = visit_import(user, visit_file(world), apply=True)
    assert (
        again.applied and again.counts["visits_unchanged"] == 3 and not again.counts["visits_new"]
    )
    assert ChangeRecord.objects.count() == records
    assert {v.pk: v.updated for v in Visit.objects.all()} == before
    rows = visit_rows(world)
    rows[1][5] = "电话了解务工，已返乡"
    changed = visit_import(user, sheet_file("走访记录", VISIT_HEADER, rows), apply=True)
    assert changed.counts["visits_updated"] == 1 and changed.counts["visits_unchanged"] == 2
    assert Visit.objects.get(visitor_name="书记a").findings == "电话了解务工，已返乡"
    assert ChangeRecord.objects.count() == records + 1


def test_every_bad_visit_row_is_reported_by_row_and_column_and_nothing_is_written(world):
    a, b = county(world), county(world, "b")
    number = a.households[0].household_number
    deleted = a.households[1]
    type(deleted).objects.filter(pk=deleted.pk).update(is_deleted=True, deleted_reason="重复建档")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        [datetime.date(2019, 3, 5), "干部a", None, number, "入户走访", "好的一行", "", "", "", ""],
        [tomorrow, "干部a", None, number, "入户走访", "未来", "", "", "", ""],  # row 4
        [datetime.date(2012, 5, 1), "干部a", None, number, "入户走访", "太早", "", "", "", ""],
        ["2019-13-01", "干部a", None, number, "入户走访", "日期错", "", "", "", ""],
        [datetime.date(2019, 3, 6), "干部a", None, number, "入户走访", "", "", "", "", ""],
        [datetime.date(2019, 3, 7), "干部a", "校长", number, "上门", "身份方式错", "", "也许", "", ""],
        [datetime.date(2019, 3, 8), "干部a", None, "9999999999", "电话", "没有这户", "", "", "", ""],
        [datetime.date(2019, 3, 9), "干部a", None, b.households[0].household_number, "电话",
         "外县", "", "", "", ""],  # row 10: out of scope
        [datetime.date(2019, 3, 9), "干部a", None, deleted.household_number, "电话", "已删", "", "",
         "", ""],
        [datetime.date(2019, 3, 9), "干部a", None, number, "电话", "定位", "", "", "", "27.5"],
        [datetime.date(2019, 3, 11), "干部a", None, number, "电话", "定位", "", "", "", "95,10"],
        [datetime.date(2019, 3, 5), "干部a", None, number, "入户走访", "重复", "", "", "", ""],
        [datetime.date(2019, 3, 10), "", None, number, "入户走访", "没有走访人", "", "", "", ""],
    ]  # fmt: skip
    outcome = visit_import(user_of(world), sheet_file("走访记录", VISIT_HEADER, rows), apply=True)
    texts = [p.text() for p in outcome.problems]
    assert not outcome.applied and not Visit.objects.exists()
    expected = [
        "第 4 行 走访日期：日期不能晚于今天",
        "第 5 行 走访日期：走访日期不能早于 2013-01-01",
        "第 6 行 走访日期：日期格式不正确",
        "第 7 行 了解情况：不能为空",
        "第 8 行 走访人身份：“校长”不是可选的值",
        "第 8 行 走访方式：“上门”不是可选的值",
        "第 8 行 需要跟进：应填“是”或“否”",
        "第 9 行 户编号：户编号 9999999999 未在系统中登记",
        "第 10 行 户编号：该户不在您的管辖范围内",
        "第 11 行 户编号：该户已删除",
        "第 12 行 GPS位置：GPS位置应为“纬度,经度”",
        "第 13 行 GPS位置：定位须同时有经度和纬度，且在有效范围内",
        "第 14 行 走访日期：与第 3 行是同一次走访",
        "第 15 行 走访人：不能为空",
    ]
    for text in expected:
        assert any(t.startswith(text) for t in texts), (text, texts)
    assert len(texts) == len(expected), "\n".join(texts)
    # The error workbook: the user's rows with the problems in a last column.
    buffer = io.BytesIO()
    import_error_workbook(outcome, buffer)
    book = open_book(buffer.getvalue())
    assert book.sheetnames == ["错误汇总", "走访记录"]
    ws = book["走访记录"]
    assert ws["K1"].value == "错误说明" and ws["K2"].value is None  # the good row: no problem
    assert ws["K3"].value.startswith("第 4 行 走访日期：日期不能晚于今天")
    assert ws.cell(2, 4).value == number  # the user's own cell, kept as text


def test_rows_of_another_county_are_errors_not_dropped(world):
    a = county(world)
    rows = [
        [datetime.date(2019, 3, 5), "干部b", None, a.households[4].household_number, "电话",
         "另一个县的户", "", "", "", ""],
        [datetime.date(2019, 3, 5), "干部b", None, county(world, "b").households[0].household_number,
         "电话", "本县的户", "", "", "", ""],
    ]  # fmt: skip
    outcome = visit_import(
        user_of(world, "b"), sheet_file("走访记录", VISIT_HEADER, rows), apply=True
    )
    assert [p.text() for p in outcome.problems] == [
        "第 3 行 户编号：该户不在您的管辖范围内，不能导入"
    ]
    assert not outcome.applied and not Visit.objects.exists()


def test_roles_without_import_and_missing_columns(world):
    outcome = visit_import(user_of(world, role=Role.INSPECTOR), visit_file(world))
    assert [p.message for p in outcome.problems] == ["您的角色不能导入数据"]
    bad = sheet_file("走访记录", ["走访日期", "户编号", "走访方式"], [])
    outcome = visit_import(user_of(world), bad)
    assert outcome.problems[0].message == "缺少必填列：走访人、了解情况"
    other = sheet_file("随便", ["甲", "乙"], [[1, 2]])
    outcome = visit_import(user_of(world), other)
    assert "未找到“走访记录”表" in outcome.problems[0].message


def test_location_parse():
    assert location_parse("27.55,109.95") == ((Decimal("27.550000"), Decimal("109.950000")), "")
    assert location_parse(" 27.5，109 ")[0] == (Decimal("27.500000"), Decimal("109.000000"))
    assert location_parse("") == (None, "")
    assert location_parse("北纬27度")[1]


def test_visit_ledger_export_then_import_round_trip(world, tmp_path):
    a = county(world)
    household = a.households[0]
    Visit.objects.create(
        household=household, division_code=household.village_id, visitor_name="干部a",
        visitor_role="cadre", cadre=a.cadre, visited_on=datetime.date(2019, 3, 5), kind="phone",
        findings="了解收入\n第二行", policies_explained="雨露计划", actions_taken="办理医保",
        demands="修路", follow_up_needed=True, follow_up_note="联系交通局",
        latitude=Decimal("27.550000"), longitude=Decimal("109.950000"),
    )  # fmt: skip
    Visit.objects.create(
        household=a.households[3], division_code=a.households[3].village_id,
        visitor_name="书记a", visitor_role="first_secretary", visited_on=datetime.date(2019, 7, 1),
        findings="核实住房",
    )  # fmt: skip
    fields = ["household_id", "division_code", "visitor_name", "visitor_role", "visited_on", "kind",
              "findings", "policies_explained", "actions_taken", "demands", "follow_up_needed",
              "follow_up_note", "latitude", "longitude"]  # fmt: skip
    original = sorted(Visit.objects.values_list(*fields))
    book, rows = export("visit_ledger", user_of(world))
    assert rows == 2
    path = tmp_path / "走访台账.xlsx"
    book.save(path)  # a real file, as the inspector's Excel keeps it
    user = user_of(world)
    same = visit_import(user, str(path), apply=True)
    assert same.ok and same.counts["visits_unchanged"] == 2 and not same.counts["visits_new"]
    Visit.objects.all().delete()
    outcome = visit_import(user, str(path), apply=True)
    assert outcome.applied and outcome.counts["visits_new"] == 2, [
        p.text() for p in outcome.problems
    ]
    assert sorted(Visit.objects.values_list(*fields)) == original
    assert Visit.objects.get(visitor_name="干部a").cadre == a.cadre


# --- Pairings ----------------------------------------------------------------------------------


def pairing_rows(world):
    a = county(world)
    first, second = a.households[0].household_number, a.households[1].household_number
    return [
        # End the cadre's pairing with household 0, hand it over to a new cadre that day.
        ["干部a", "县农业农村局", "县", "科员", "13900000001", first, datetime.date(2016, 1, 1),
         datetime.date(2019, 6, 30), "工作调动"],
        ["李四", "县财政局", "县", "副局长", "13900000002", first, datetime.date(2019, 6, 30),
         None, ""],
        ["李四", "县财政局", "", "", "", second, "2017-03-01", None, None],
    ]  # fmt: skip


def pairing_file(world):
    return sheet_file("结对帮扶", PAIRING_HEADER, pairing_rows(world))


def test_pairing_file_ends_adds_and_creates_the_new_cadre_with_history(world):
    user = user_of(world)
    a = county(world)
    check = pairing_import(user, pairing_file(world))
    assert check.ok, [p.text() for p in check.problems]
    assert (check.counts["pairings_new"], check.counts["pairings_updated"]) == (2, 1)
    assert check.counts["cadres_new"] == 1 and check.counts["cadres_updated"] == 1
    assert not Cadre.objects.filter(name="李四").exists()
    outcome = pairing_import(user, pairing_file(world), apply=True)
    assert outcome.applied
    li = Cadre.objects.get(name="李四")
    assert (li.unit_name, li.unit_level, li.position, li.phone, li.division_code) == (
        "县财政局", "4", "副局长", "13900000002", a.code)  # fmt: skip
    a.cadre.refresh_from_db()
    assert (a.cadre.position, a.cadre.phone) == ("科员", "13900000001")
    assert a.cadre.version == 2  # the API's optimistic concurrency sees the import's change
    old = CadrePairing.objects.get(cadre=a.cadre, household=a.households[0])
    assert (old.end_date, old.end_reason) == (datetime.date(2019, 6, 30), "工作调动")
    assert old.version == 2
    current = CadrePairing.objects.get(household=a.households[0], end_date__isnull=True)
    assert current.cadre == li and current.start_date == datetime.date(2019, 6, 30)
    assert CadrePairing.objects.get(household=a.households[1]).cadre == li
    records = ChangeRecord.objects.filter(channel="import")
    assert records.filter(object_type="assistance.cadrepairing").count() == 3
    assert records.filter(object_type="assistance.cadre").count() == 2
    assert set(
        records.filter(object_type="assistance.cadrepairing").values_list("household_id", flat=True)
    ) == {a.households[0].pk, a.households[1].pk}


def test_pairing_reupload_changes_nothing(world):
    user = user_of(world)
    pairing_import(user, pairing_file(world), apply=True)
    before = {p.pk: p.updated for p in CadrePairing.objects.all()}
    cadres = {c.pk: c.updated for c in Cadre.objects.all()}
    records = ChangeRecord.objects.count()
    again = pairing_import(user, pairing_file(world), apply=True)
    assert again.applied and again.counts["pairings_unchanged"] == 3
    assert not again.counts["pairings_new"] and not again.counts["cadres_new"]
    assert not again.counts["cadres_updated"]
    assert ChangeRecord.objects.count() == records
    assert {p.pk: p.updated for p in CadrePairing.objects.all()} == before
    assert {c.pk: c.updated for c in Cadre.objects.all()} == cadres


def test_every_bad_pairing_row_is_reported_and_nothing_is_written(world):
    a, b = county(world), county(world, "b")
    h = [x.household_number for x in a.households]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    d = datetime.date
    rows = [
        ["王五", "县水利局", "", "", "", h[2], d(2018, 1, 1), d(2017, 1, 1), "调走"],  # row 3
        ["王五", "县水利局", "", "", "", h[3], d(2018, 1, 1), None, "调走"],
        ["王五", "县水利局", "", "", "", h[4], d(2012, 1, 1), tomorrow, ""],
        # household 0 already has 干部a in force since 2016: a second current helper.
        ["王五", "县水利局", "", "", "", h[0], d(2019, 1, 1), None, ""],
        # overlaps 干部a's pairing (2016 → now) although it ends.
        ["赵六", "县水利局", "", "", "", h[0], d(2017, 1, 1), d(2018, 1, 1), "调走"],
        ["王五", "县水利局", "", "", "138****0000", h[1], d(2018, 1, 1), None, ""],
        ["王五", "县水利局", "", "", "", b.households[0].household_number, d(2018, 1, 1), None, ""],
        ["王五", "县水利局", "", "", "", "123", d(2018, 1, 1), None, ""],
        ["王五", "县水利局", "乡镇", "", "", h[5], d(2019, 1, 1), d(2019, 2, 1), ""],  # row 11
        ["王五", "县水利局", "县", "", "", h[5], d(2019, 3, 1), d(2019, 4, 1), ""],
        ["", "县水利局", "", "", "", h[5], "", None, ""],
        ["王五", "县水利局", "", "", "", h[5], d(2019, 1, 1), d(2019, 2, 1), ""],
    ]  # fmt: skip
    outcome = pairing_import(
        user_of(world), sheet_file("结对帮扶", PAIRING_HEADER, rows), apply=True
    )
    texts = [p.text() for p in outcome.problems]
    assert not outcome.applied and not Cadre.objects.filter(name="王五").exists()
    assert CadrePairing.objects.count() == 2  # the world's own
    expected = [
        "第 3 行 结束时间：结束时间不能早于帮扶起始时间",
        "第 4 行 结束原因：只有已结束的结对才填写结束原因",
        "第 5 行 帮扶起始时间：帮扶起始时间不能早于 2013-01-01",
        "第 5 行 结束时间：日期不能晚于今天",
        "第 6 行 帮扶起始时间：该户已有在帮的帮扶责任人（干部a，2016-01-01 起）",
        "第 7 行 帮扶起始时间：与该户 2016-01-01 起的结对（干部a）时间重叠",
        "第 8 行 联系电话：联系电话已脱敏",
        "第 9 行 户编号：该户不在您的管辖范围内",
        "第 10 行 户编号：户编号 123 未在系统中登记",
        "第 12 行 单位隶属关系：与第 11 行同一帮扶责任人的单位隶属关系不一致",
        "第 13 行 姓名：不能为空",
        "第 13 行 帮扶起始时间：不能为空",
        "第 14 行 帮扶起始时间：与第 11 行是同一结对",
    ]
    for text in expected:
        assert any(t.startswith(text) for t in texts), (text, texts)
    assert len(texts) == len(expected), "\n".join(texts)


def test_two_cadres_with_the_same_name_and_unit_need_the_phone(world):
    a = county(world)
    for phone in ("13900000011", "13900000012"):
        Cadre.objects.create(name="周八", unit_name="县交通局", division_code=a.code, phone=phone)
    number = a.households[2].household_number
    rows = [["周八", "县交通局", "", "", "", number, datetime.date(2018, 1, 1), None, ""]]
    outcome = pairing_import(user_of(world), sheet_file("结对帮扶", PAIRING_HEADER, rows))
    assert outcome.problems[0].text().startswith("第 3 行 姓名：有 2 名帮扶责任人同名且同单位")
    rows[0][4] = "13900000012"
    outcome = pairing_import(
        user_of(world), sheet_file("结对帮扶", PAIRING_HEADER, rows), apply=True
    )
    assert outcome.applied
    assert CadrePairing.objects.get(household=a.households[2]).cadre.phone == "13900000012"


def test_pairing_ledger_export_then_import_round_trip(world, tmp_path):
    a = county(world)
    user = user_of(world)
    pairing_import(user, pairing_file(world), apply=True)
    fields = ["household_id", "cadre__name", "cadre__unit_name", "cadre__unit_level",
              "cadre__phone", "start_date", "end_date", "end_reason"]  # fmt: skip
    mine = CadrePairing.objects.filter(household__village__code__startswith="431202")
    original = sorted(mine.values_list(*fields))
    book, rows = export("pairing_ledger", user)
    assert rows == 3  # in force in 2019
    path = tmp_path / "结对帮扶台账.xlsx"
    book.save(path)
    same = pairing_import(user, str(path), apply=True)
    assert same.ok and same.counts["pairings_unchanged"] == 3 and not same.counts["cadres_updated"]
    # Into a county without pairings or cadres: the same pairings and cadres come back.
    Visit.objects.update(cadre=None)
    CadrePairing.objects.filter(household__village__code__startswith="431202").delete()
    Cadre.objects.filter(division_code=a.code).delete()
    outcome = pairing_import(user, str(path), apply=True)
    assert outcome.applied, [p.text() for p in outcome.problems]
    assert outcome.counts["pairings_new"] == 3 and outcome.counts["cadres_new"] == 2
    assert sorted(mine.values_list(*fields)) == original


# --- Templates, command, page ------------------------------------------------------------------


@pytest.mark.parametrize(("key", "sheet", "import_"), [
    ("visits", "走访记录", visit_import), ("pairings", "结对帮扶", pairing_import),
])  # fmt: skip
def test_templates_have_dropdowns_notes_and_examples_that_are_not_imported(
    world, tmp_path, key, sheet, import_
):
    path = tmp_path / "t.xlsx"
    with open(path, "wb") as handle:
        name = template_write(key, handle, village_code=county(world).villages[0].code)
    assert name.endswith("导入模板.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["填表说明", sheet, f"示例-{sheet}", "代码表"]
    assert book["代码表"].sheet_state == "hidden"
    notes = {row[1]: row for row in book["填表说明"].iter_rows(min_row=4, values_only=True)}
    ws = book[sheet]
    headers = [c.value for c in ws[3]]
    assert all(h.rstrip("*") in notes for h in headers)
    sources = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    if key == "visits":
        assert "入户走访" in notes["走访方式"][4] and "帮扶责任人" in notes["走访人身份"][4]
        assert sources["N4"] == '"是,否"' and "代码表" in sources["I4"]
        assert len(list(book[f"示例-{sheet}"].iter_rows(min_row=4))) == 2
    else:
        assert "中央" in notes["单位隶属关系"][4] and "代码表" in sources["F4"]
        assert len(list(book[f"示例-{sheet}"].iter_rows(min_row=4))) == 3
    outcome = import_(user_of(world), str(path), apply=True)  # examples are never imported
    assert outcome.ok and not any(outcome.counts.values())


def test_import_command_with_kind(world, tmp_path):
    path = tmp_path / "v.xlsx"
    path.write_bytes(visit_file(world).getvalue())
    out = io.StringIO()
    call_command("import_households", str(path), "--kind", "visits", "--dry-run",
                 "--user", "county-a", stdout=out)  # fmt: skip
    assert "visits_new: 3" in out.getvalue() and not Visit.objects.exists()
    call_command("import_households", str(path), "--kind", "visits", "--user", "county-a",
                 stdout=io.StringIO())  # fmt: skip
    assert Visit.objects.count() == 3
    bad = tmp_path / "p.xlsx"
    rows = pairing_rows(world)
    rows[0][7] = datetime.date(2015, 1, 1)
    bad.write_bytes(sheet_file("结对帮扶", PAIRING_HEADER, rows).getvalue())
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_households", str(bad), "--kind", "pairings", "--errors", str(errors),
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert openpyxl.load_workbook(errors)["结对帮扶"]["J2"].value.startswith("第 3 行 结束时间")


def test_import_page_offers_the_kinds_and_runs_a_visit_import(client, world, media):
    client.force_login(user_of(world))
    page = client.get(reverse("ledgers:import")).content.decode()
    assert 'value="visits"' in page and 'value="pairings"' in page
    assert reverse("ledgers:template", args=["visits"]) in page
    upload = visit_file(world)
    upload.name = "走访.xlsx"
    response = client.post(reverse("ledgers:import"), {"file": upload, "kind": "visits"})
    check = JobRun.objects.get(kind="ledger_import_check")
    assert response["Location"] == reverse("jobs:detail", args=[check.pk])
    assert check.result["kind"] == "visits" and check.result["counts"]["visits_new"] == 3
    detail = client.get(response["Location"]).content.decode()
    assert "走访记录" in detail and "确认导入" in detail
    client.post(reverse("ledgers:import_apply", args=[check.pk]))
    apply_job = JobRun.objects.get(kind="ledger_import_apply")
    assert apply_job.status == JobStatus.SUCCEEDED and Visit.objects.count() == 3
    template = client.get(reverse("ledgers:template", args=["pairings"]))
    assert "结对帮扶" in open_book(b"".join(template.streaming_content)).sheetnames


def test_admin_pairing_form_applies_the_same_pairing_rules(client, world):
    a = county(world)
    client.force_login(world.admin)
    url = reverse("admin:assistance_cadrepairing_add")
    data = {"cadre": a.cadre.pk, "household": a.households[0].pk, "start_date": "2018-01-01",
            "end_date": "", "end_reason": ""}  # fmt: skip
    page = client.post(url, data).content.decode()
    assert "与该户 2016-01-01 起的结对（干部a）时间重叠" in page
    data.update(household=a.households[2].pk, end_reason="调走")
    assert "只有已结束的结对才填写结束原因" in client.post(url, data).content.decode()
    data.update(end_date="2019-01-01")
    assert client.post(url, data).status_code == 302
    assert CadrePairing.objects.filter(household=a.households[2]).exists()


def test_the_household_file_visit_sheet_imports_unchanged(world, tmp_path):
    household = county(world).households[0]
    Visit.objects.create(
        household=household, division_code=household.village_id, visitor_name="干部a",
        visited_on=datetime.date(2019, 3, 5), findings="了解收入",
    )  # fmt: skip
    book, _rows = export("household_file", user_of(world), household_id=household.pk)
    path = tmp_path / "一户一档.xlsx"
    book.save(path)
    outcome = visit_import(user_of(world), str(path), apply=True)
    assert outcome.ok and outcome.counts["visits_unchanged"] == 1 and len(outcome.counts) == 1


def test_namesakes_with_different_phones_are_two_new_cadres(world):
    a = county(world)
    h = [x.household_number for x in a.households]
    rows = [
        ["吴九", "县教育局", "", "", "", h[2], datetime.date(2018, 1, 1), None, ""],
        ["吴九", "县教育局", "", "", "13900000021", h[3], datetime.date(2018, 1, 1), None, ""],
        ["吴九", "县教育局", "", "", "13900000022", h[4], datetime.date(2018, 1, 1), None, ""],
    ]  # fmt: skip
    outcome = pairing_import(
        user_of(world), sheet_file("结对帮扶", PAIRING_HEADER, rows), apply=True
    )
    assert outcome.applied and outcome.counts["cadres_new"] == 2
    # The row without a phone and the first with one are the same person.
    phones = dict(
        CadrePairing.objects.filter(cadre__name="吴九").values_list(
            "household__household_number", "cadre__phone"
        )
    )
    assert phones == {h[2]: "13900000021", h[3]: "13900000021", h[4]: "13900000022"}
    # Imported again: the row without a phone is the 吴九 already paired with that household.
    again = pairing_import(user_of(world), sheet_file("结对帮扶", PAIRING_HEADER, rows))
    assert again.ok and again.counts["pairings_unchanged"] == 3
    # A new row without a phone cannot say which 吴九 it means.
    rows.append(["吴九", "县教育局", "", "", "", h[5], datetime.date(2018, 1, 1), None, ""])
    again = pairing_import(user_of(world), sheet_file("结对帮扶", PAIRING_HEADER, rows))
    assert [p.text() for p in again.problems] == [
        "第 6 行 姓名：有 2 名帮扶责任人同名且同单位，请填写联系电话以区分",
    ]
