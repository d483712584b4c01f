"""The streaming writer and the forgiving reader (poverty/xlsx.py), read back with openpyxl."""

import dataclasses
import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import python_calamine

from poverty.xlsx import (
    Column,
    FileRejected,
    SheetReader,
    Validation,
    XlsxWriter,
    cell_bool,
    cell_date,
    cell_decimal,
    cell_number_text,
    header_normalize,
    sheet_rows,
    workbook_open,
)

COLUMNS = [
    Column("序号", "int"), Column("户编号"), Column("证件号码", width=20), Column("人均纯收入", "money"),
    Column("出生日期", "date"), Column("耕地面积（亩）", "decimal"), Column("年度", "year"),
]  # fmt: skip


def _write(rows, **kwargs) -> bytes:
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as book:
        book.write_sheet(
            "花名册", COLUMNS, rows, title="某县花名册（2019年度）", subtitle="单位：元", **kwargs
        )
    return buffer.getvalue()


def test_cells_keep_their_types_and_ids_stay_text():
    rows = [
        (
            1,
            "0012300",
            "11010519491231002X",
            Decimal("3120.50"),
            datetime.date(1949, 12, 31),
            Decimal("1.25"),
            2019,
        )
    ]
    ws = openpyxl.load_workbook(io.BytesIO(_write(rows)))["花名册"]
    assert ws["A1"].value == "某县花名册（2019年度）" and ws["A2"].value == "单位：元"
    assert [c.value for c in ws[3]] == [c.header for c in COLUMNS]
    number, household, id_number, money, born, area, year = ws[4]
    assert household.value == "0012300" and household.data_type == "s"  # leading zeros kept
    assert id_number.value == "11010519491231002X" and id_number.number_format == "@"
    assert money.value == 3120.5 and money.number_format == "#,##0.00"
    assert born.value == datetime.datetime(1949, 12, 31) and born.number_format == "yyyy-mm-dd"
    assert area.number_format == "0.00" and year.value == 2019 and number.value == 1


def test_layout_frozen_header_print_setup_widths_and_merged_title():
    ws = openpyxl.load_workbook(io.BytesIO(_write([])))["花名册"]
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:G1", "A2:G2"}
    assert ws.column_dimensions["C"].width == 20


def test_rows_beyond_the_limit_continue_on_numbered_sheets():
    rows = [(i, str(i), "", None, None, None, 2019) for i in range(1, 8)]
    book = openpyxl.load_workbook(io.BytesIO(_write(rows, max_rows=3)))
    assert book.sheetnames == ["花名册", "花名册(2)", "花名册(3)"]
    got = [r[0] for ws in book.worksheets for r in ws.iter_rows(min_row=4, values_only=True)]
    assert got == list(range(1, 8))
    assert all(ws["A3"].value == "序号" for ws in book.worksheets)


def test_exactly_full_sheet_makes_no_empty_continuation():
    rows = [(i, str(i), "", None, None, None, 2019) for i in range(1, 4)]
    assert openpyxl.load_workbook(io.BytesIO(_write(rows, max_rows=3))).sheetnames == ["花名册"]


def test_text_is_escaped_and_control_characters_dropped():
    rows = [(1, 'a&b<c>"', "x\x01y", None, None, None, None)]
    ws = openpyxl.load_workbook(io.BytesIO(_write(rows)))["花名册"]
    assert ws["B4"].value == 'a&b<c>"' and ws["C4"].value == "xy"


def test_list_validation_is_written():
    data = _write([], validations=[Validation(1, options=("是", "否"))], validation_rows=100)
    validation = openpyxl.load_workbook(io.BytesIO(data))["花名册"].data_validations.dataValidation[
        0
    ]
    assert validation.formula1 == '"是,否"' and str(validation.sqref) == "B4:B103"


def _book(rows_by_sheet: dict) -> io.BytesIO:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in rows_by_sheet.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def test_header_found_below_merged_titles_with_spaces_and_full_width_names():
    columns = [Column("户编号", key="number"), Column("证件号码", key="id", aliases=("身份证号",)),
               Column("耕地面积（亩）", key="land")]  # fmt: skip
    data = _book({"S": [["XX县花名册"], ["填报单位"], [], ["户 编 号 *", "身份证号", "耕地面积(亩)", "备注"],
                        ["001", "X", 1.5, "extra"], [None, None, None], ["002", "Y", None], [], []]})  # fmt: skip
    sheet = python_calamine.CalamineWorkbook.from_filelike(data).get_sheet_by_index(0)
    reader = SheetReader.from_sheet(sheet, columns)
    assert reader.match.row_index == 3 and reader.match.unknown == ["备注"]
    records = list(reader.records())
    assert [(n, v["number"]) for n, v, _r in records] == [(5, "001"), (7, "002")]
    assert reader.header_of("id") == "身份证号"


def test_sheet_rows_are_to_python_rows_one_at_a_time_also_when_a_sheet_starts_further_in():
    """sheet_rows (iter_rows, columns before the first used one added back) gives the rows of
    to_python(skip_empty_area=False): a list index is still the column, a row's position
    still the Excel row, blank rows and an empty sheet included."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.create_sheet("empty")
    offset = wb.create_sheet("offset")
    offset["C3"], offset["D3"], offset["E4"], offset["D7"] = "户编号", "耕地", 1.5, "x"
    plain = wb.create_sheet("plain")
    for row in (["标题"], [], ["户编号", "姓名", None, "备注"], ["001", None, 2, ""], [], ["002"]):
        plain.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    for name in ("empty", "offset", "plain"):
        buffer.seek(0)
        sheet = python_calamine.CalamineWorkbook.from_filelike(buffer).get_sheet_by_name(name)
        assert list(sheet_rows(sheet)) == sheet.to_python(skip_empty_area=False), name
    # a reader over the sheet finds the same header and rows as one over the lists
    buffer.seek(0)
    sheet = python_calamine.CalamineWorkbook.from_filelike(buffer).get_sheet_by_name("offset")
    columns = [Column("户编号", key="number"), Column("耕地", key="land")]
    lazy = SheetReader.from_sheet(sheet, columns)
    listed = SheetReader("offset", sheet.to_python(skip_empty_area=False), columns)
    assert lazy.rows == [] and lazy.match == listed.match and lazy.match.columns == {"number": 2, "land": 3}
    assert list(lazy.data_rows()) == list(listed.data_rows()) == [(4, ["", "", "", "", 1.5]),
                                                                  (7, ["", "", "", "x", ""])]  # fmt: skip
    assert list(lazy.records()) == list(listed.records())
    lazy.release()
    assert list(lazy.data_rows()) == [] and lazy.match == listed.match


def test_header_normalize():
    assert header_normalize(" 耕地面积（亩）＊ ") == header_normalize("耕地面积(亩)")


def test_numbers_in_id_columns_are_reported_when_excel_lost_digits():
    value, error = cell_number_text(6.20502196803150e17, what="证件号码")
    assert value == "" and "15位有效数字" in error and "文本" in error
    assert cell_number_text(110105491231002.0, what="证件号码") == ("110105491231002", "")
    assert cell_number_text(" 0012 ", what="户编号") == ("0012", "")


@pytest.mark.parametrize(
    "raw",
    [datetime.date(2019, 3, 5), datetime.datetime(2019, 3, 5, 8), 43529.0, "2019-03-05", "2019/3/5",
     "2019年3月5日", "20190305", 20190305.0, "２０１９－０３－０５"],
)  # fmt: skip
def test_dates_as_cells_serials_and_text(raw):
    assert cell_date(raw) == (datetime.date(2019, 3, 5), "")


def test_bad_dates_numbers_and_booleans_are_reported():
    assert cell_date("2019-02-30")[1] and cell_date("去年")[1]
    assert cell_decimal("十元")[1] == "应为数字"
    assert cell_decimal("1,234.5元") == (Decimal("1234.50"), "")
    assert cell_bool("也许")[1] and cell_bool("是") == (True, "") and cell_bool("否") == (False, "")


def test_files_that_are_not_xlsx_are_refused_with_a_reason(settings):
    with pytest.raises(FileRejected, match=r"\.xls"):
        workbook_open(
            io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100), filename="a.xls"
        )
    with pytest.raises(FileRejected, match=r"\.xls"):  # an .xls renamed to .xlsx
        workbook_open(
            io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100), filename="a.xlsx"
        )
    with pytest.raises(FileRejected, match="只接受 .xlsx"):
        workbook_open(io.BytesIO("户编号,姓名\n1,张三".encode()), filename="a.csv")
    with pytest.raises(FileRejected, match="不是有效的 Excel"):
        workbook_open(io.BytesIO(b"%PDF-1.4 not a sheet"), filename="a.xlsx")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileRejected, match="不是 Excel 工作簿"):
        workbook_open(docx, filename="a.xlsx")
    settings.LEDGER_IMPORT_MAX_BYTES = 1000
    with pytest.raises(FileRejected, match="超过上限"):
        workbook_open(io.BytesIO(_write([])), filename="a.xlsx")


def test_numbers_as_text_columns_write_the_database_text_as_the_same_number_cell():
    """Column.numbers_as_text: "3120.50" from PostgreSQL gives the cell a Decimal would."""
    as_text = [
        dataclasses.replace(c, numbers_as_text=c.kind in ("int", "money", "decimal", "year"))
        for c in COLUMNS
    ]
    typed = (1, "0012300", "x", Decimal("3120.50"), None, Decimal("-1.25"), 2019)
    texts = ("1", "0012300", "x", "3120.50", None, "-1.25", "2019")

    def sheet_xml(columns, row) -> bytes:
        buffer = io.BytesIO()
        with XlsxWriter(buffer) as book:
            book.write_sheet("花名册", columns, [row, (2, "", "", "", None, "", None)])
        return zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")

    assert sheet_xml(as_text, texts) == sheet_xml(COLUMNS, typed)
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as book:
        book.write_sheet("花名册", as_text, [texts])
    ws = openpyxl.load_workbook(buffer)["花名册"]
    assert [c.value for c in ws[2]] == [1, "0012300", "x", 3120.5, None, -1.25, 2019]
    assert ws["B2"].data_type == "s"  # a text column keeps its text
    with pytest.raises(ValueError, match="number column"):
        XlsxWriter(io.BytesIO()).write_sheet("x", [Column("a", numbers_as_text=True)], [])
