"""Excel ledgers: a streaming .xlsx writer (column spec → styled sheet) and a forgiving reader.

Writer. Ledgers stream rows from the database straight into the sheet XML inside the zip, so
memory stays flat whatever the size. It writes the small subset of SpreadsheetML that ledgers
need — inline strings, numbers, dates, one style per column kind, merged title rows, a frozen
header, column widths, print setup (A4 landscape, header row repeated, fit to width), list
validations, hidden code-list sheets — and nothing else. Each column's cell function is
built once, so a row costs a few string joins: the issue measured xlsxwriter's constant_memory
mode at about 6,000 and openpyxl's write-only mode at about 4,000 rows/s of 30 columns; this
writer's own rate on the 59-column roster is in docs/PERFORMANCE.md ("Issue 8 — Excel
ledgers", raw writer). Every file it writes is read back with openpyxl and python-calamine in
the tests.

Layout (DOMAIN.md §15): row 1 the title with region and year, row 2 unit and date, row 3 the
header, data from row 4. A sheet longer than ``LEDGER_MAX_ROWS_PER_SHEET`` continues on
``名称(2)``, ``名称(3)`` … with the same title and header.

Reader. python-calamine reads the file (about 6× faster than openpyxl). The header row is
found among the first rows by matching normalised names (full-width characters, spaces,
``*`` marks and bracket styles do not matter), merged title rows above it are skipped, extra
columns are ignored, blank rows are skipped, and each cell is parsed by its column's kind
with a message in Chinese naming what is wrong. Numbers in text columns (IDs, household
numbers, bank accounts) are taken only when Excel could have kept them exactly (fewer than
16 digits); otherwise the precision is lost and the cell is reported, never guessed.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

__all__ = [
    "EXCEL_MAX_ROWS",
    "Column",
    "FileRejected",
    "HeaderMatch",
    "SheetReader",
    "Validation",
    "XlsxWriter",
    "cell_bool",
    "cell_choice",
    "cell_date",
    "cell_decimal",
    "cell_int",
    "cell_number_text",
    "cell_text",
    "column_letter",
    "header_normalize",
    "sheet_rows",
    "workbook_open",
]

EXCEL_MAX_ROWS = 1_048_576
HEADER_ROWS = 3  # title, unit/date, header

# --- Writer ----------------------------------------------------------------------------------

# Style indexes in styles.xml (cellXfs), one per column kind plus the layout rows.
S_DEFAULT, S_TEXT, S_INT, S_MONEY, S_DECIMAL, S_DATE, S_HEADER, S_TITLE, S_SUBTITLE = range(9)
S_ERROR, S_NOTE, S_YEAR = 9, 10, 11
KIND_STYLES = {
    "text": S_TEXT,
    "int": S_INT,
    "year": S_YEAR,
    "money": S_MONEY,
    "decimal": S_DECIMAL,
    "date": S_DATE,
    "error": S_ERROR,
    "note": S_NOTE,
}
DEFAULT_WIDTHS = {
    "text": 12,
    "int": 8,
    "year": 8,
    "money": 12,
    "decimal": 10,
    "date": 11,
    "error": 60,
    "note": 60,
}

_XML_ESCAPE = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;"}
# Characters XML 1.0 forbids; a stray one pasted into a name would make the file unreadable.
_XML_ESCAPE.update({c: None for c in [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF]})
_EXCEL_EPOCH_ORDINAL = datetime.date(1899, 12, 30).toordinal()
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _esc(text: str) -> str:
    return text.translate(_XML_ESCAPE)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Column:
    """One column of a ledger or import sheet.

    ``kind`` decides the cell type and style: text (IDs, numbers kept as text), int, year,
    money (two decimals), decimal (areas, distances), date. ``key`` names the model field an
    import column fills; ``choices`` are the labels offered in a template's dropdown;
    ``note`` explains the column on the template's notes sheet and in docs/ledgers.md.
    ``numbers_as_text`` (number kinds only): a str value in this column is a number as
    PostgreSQL prints it (``numeric::text``, ``int::text``: digits, an optional minus sign
    and decimal point) and is written as that number, character for character — the same
    cell as for the Decimal or int it stands for, without building the Python object (a
    ledger reading tens of thousands of rows gets them as text from the database).
    """

    header: str
    kind: str = "text"
    width: float | None = None
    key: str = ""
    note: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    numbers_as_text: bool = False

    @property
    def style(self) -> int:
        return KIND_STYLES[self.kind]


@dataclass(frozen=True)
class Validation:
    """A dropdown (list validation) over the data rows of one column of a template."""

    column: int  # 0-based
    options: tuple[str, ...] = ()  # short lists go inline
    source: str = ""  # or a range on the code-list sheet, e.g. "'代码表'!$A$2:$A$15"


def _cell_text(ref: str, value: str, style: int) -> str:
    text = _esc(value)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _cell_writer(
    letter: str, kind: str, numbers_as_text: bool = False
) -> Callable[[int, Any], str]:
    """A function (row number, value) → the cell's XML, specialised for one column."""
    style = KIND_STYLES[kind]
    number_open = f'<c r="{letter}%d" s="{style}"><v>'
    text_open = f'<c r="{letter}%d" s="{style}" t="inlineStr"><is><t>'
    if numbers_as_text and kind not in ("int", "year", "money", "decimal"):
        raise ValueError(f"numbers_as_text needs a number column, not {kind!r}")

    def write(row: int, value: Any) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            if numbers_as_text:  # the database's own text of the number (Column)
                return (number_open % row) + value + "</v></c>"
            if value[:1].isspace() or value[-1:].isspace():
                return _cell_text(f"{letter}{row}", value, style)
            return (text_open % row) + value.translate(_XML_ESCAPE) + "</t></is></c>"
        if isinstance(value, bool):
            return (text_open % row) + ("是" if value else "否") + "</t></is></c>"
        if isinstance(value, datetime.datetime):
            serial = value.toordinal() - _EXCEL_EPOCH_ORDINAL
            seconds = value.hour * 3600 + value.minute * 60 + value.second
            return (number_open % row) + repr(serial + seconds / 86400) + "</v></c>"
        if isinstance(value, datetime.date):
            return (number_open % row) + str(value.toordinal() - _EXCEL_EPOCH_ORDINAL) + "</v></c>"
        if isinstance(value, Decimal):
            return (number_open % row) + format(value, "f") + "</v></c>"
        if isinstance(value, (int, float)):
            return (number_open % row) + repr(value) + "</v></c>"
        return (text_open % row) + str(value).translate(_XML_ESCAPE) + "</t></is></c>"

    return write


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub("_", name).strip("'")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


@dataclass
class _SheetEntry:
    name: str
    path: str
    hidden: bool = False
    print_titles: str = ""


@dataclass
class XlsxWriter:
    """Write a workbook sheet by sheet, streaming each sheet's rows into the zip.

    >>> with XlsxWriter(path) as book:
    ...     book.write_sheet("花名册", columns, rows, title="…", subtitle="…")
    """

    target: str | Path | IO[bytes]
    compresslevel: int = 1  # deflate level 1: a quarter of the time of level 6, files ~10% larger
    _zip: zipfile.ZipFile = field(init=False)
    _sheets: list[_SheetEntry] = field(init=False, default_factory=list)
    _taken: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self._zip = zipfile.ZipFile(
            self.target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel
        )

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    # -- sheets ---------------------------------------------------------------------------

    def write_sheet(
        self,
        name: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        *,
        title: str = "",
        subtitle: str = "",
        max_rows: int | None = None,
        validations: Sequence[Validation] = (),
        validation_rows: int = 0,
        hidden: bool = False,
        freeze: bool = True,
        on_rows: Callable[[int], None] | None = None,
        progress_every: int = 1000,
    ) -> int:
        """Write ``rows`` (tuples in column order) under a title, a subtitle and the header.

        Rows beyond ``max_rows`` per sheet (default: settings.LEDGER_MAX_ROWS_PER_SHEET,
        at most Excel's limit less the three header rows) continue on a new sheet.
        ``on_rows(n)`` is called every ``progress_every`` rows with the count so far.
        Returns the number of data rows written.
        """
        limit = min(
            max_rows or getattr(settings, "LEDGER_MAX_ROWS_PER_SHEET", EXCEL_MAX_ROWS),
            EXCEL_MAX_ROWS - HEADER_ROWS,
        )
        iterator = _Pushback(rows)
        total = 0
        part = 1
        while True:
            sheet_name = name if part == 1 else f"{name}({part})"
            written, exhausted = self._write_one_sheet(
                sheet_name,
                columns,
                iterator,
                limit=limit,
                title=title,
                subtitle=subtitle,
                validations=validations,
                validation_rows=validation_rows,
                hidden=hidden,
                freeze=freeze,
                on_rows=on_rows,
                progress_every=progress_every,
                counted=total,
            )
            total += written
            if exhausted:
                return total
            part += 1

    def write_form_sheet(
        self, name: str, pairs: Sequence[tuple[str, Any]], *, title: str, subtitle: str = ""
    ) -> None:
        """A printable two-column form (label, value), e.g. 一户一档's 基本情况."""
        columns = [Column("项目", width=24), Column("内容", width=60)]
        self.write_sheet(name, columns, pairs, title=title, subtitle=subtitle, freeze=False)

    def _write_one_sheet(
        self,
        name: str,
        columns: Sequence[Column],
        rows: _Pushback,
        *,
        limit: int,
        title: str,
        subtitle: str,
        validations: Sequence[Validation],
        validation_rows: int,
        hidden: bool,
        freeze: bool,
        on_rows: Callable[[int], None] | None,
        progress_every: int,
        counted: int,
    ) -> tuple[int, bool]:
        sheet_name = _sheet_name(name, self._taken)
        index = len(self._sheets) + 1
        path = f"xl/worksheets/sheet{index}.xml"
        ncols = max(len(columns), 1)
        last = column_letter(ncols - 1)
        header_row = HEADER_ROWS if (title or subtitle) else 1
        first_data = header_row + 1
        writers = [
            _cell_writer(column_letter(i), col.kind, col.numbers_as_text)
            for i, col in enumerate(columns)
        ]

        head = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>']  # fmt: skip
        if freeze:
            head.append(
                f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{header_row}" '
                f'topLeftCell="A{first_data}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="A{first_data}" '
                f'sqref="A{first_data}"/></sheetView></sheetViews>'
            )
        head.append('<sheetFormatPr defaultRowHeight="15"/><cols>')
        for i, col in enumerate(columns, start=1):
            width = col.width or DEFAULT_WIDTHS.get(col.kind, 12)
            head.append(
                f'<col min="{i}" max="{i}" width="{width}" customWidth="1" style="{col.style}"/>'
            )
        head.append("</cols><sheetData>")
        if title or subtitle:
            head.append(f'<row r="1" ht="30" customHeight="1">{_cell_text("A1", title, S_TITLE)}')
            head.extend(
                f'<c r="{column_letter(i)}1" s="{S_TITLE}"/>' for i in range(1, ncols)
            )  # merged cells keep their style across the whole title
            head.append(f'</row><row r="2">{_cell_text("A2", subtitle, S_SUBTITLE)}</row>')
        head.append(f'<row r="{header_row}" ht="32" customHeight="1">')
        head.extend(
            _cell_text(f"{column_letter(i)}{header_row}", col.header, S_HEADER)
            for i, col in enumerate(columns)
        )
        head.append("</row>")

        written = 0
        exhausted = True
        with self._zip.open(path, "w", force_zip64=True) as out:
            out.write("".join(head).encode())
            buffer: list[str] = []
            row_number = first_data
            for row in rows:
                buffer.append(f'<row r="{row_number}">')
                buffer.extend(
                    write(row_number, value) for write, value in zip(writers, row, strict=False)
                )
                buffer.append("</row>")
                row_number += 1
                written += 1
                if written % progress_every == 0:
                    out.write("".join(buffer).encode())
                    buffer.clear()
                    if on_rows is not None:
                        on_rows(counted + written)
                if written >= limit:
                    exhausted = rows.exhausted()
                    break
            out.write("".join(buffer).encode())
            tail = ["</sheetData>"]
            if title or subtitle:
                tail.append(f'<mergeCells count="2"><mergeCell ref="A1:{last}1"/>'
                            f'<mergeCell ref="A2:{last}2"/></mergeCells>')  # fmt: skip
            if validations:
                end = first_data + max(validation_rows, written, 1) - 1
                tail.append(f'<dataValidations count="{len(validations)}">')
                for v in validations:
                    letter = column_letter(v.column)
                    formula = v.source or '"' + ",".join(v.options) + '"'
                    tail.append(
                        '<dataValidation type="list" allowBlank="1" showErrorMessage="1" '
                        f'sqref="{letter}{first_data}:{letter}{end}">'
                        f"<formula1>{_esc(formula)}</formula1></dataValidation>"
                    )
                tail.append("</dataValidations>")
            tail.append(
                '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" '
                'footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
                'fitToHeight="0"/><headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页'
                "</oddFooter></headerFooter></worksheet>"
            )
            out.write("".join(tail).encode())
        if on_rows is not None:
            on_rows(counted + written)
        quoted = sheet_name.replace("'", "''")
        self._sheets.append(
            _SheetEntry(
                sheet_name,
                path,
                hidden=hidden,
                print_titles=f"'{quoted}'!${header_row}:${header_row}",
            )
        )
        return written, exhausted

    # -- closing --------------------------------------------------------------------------

    def close(self) -> None:
        if self._zip.fp is None:
            return
        sheets = self._sheets or []
        if not sheets:
            self.write_sheet("Sheet1", [Column("")], [])
            sheets = self._sheets
        z = self._zip
        overrides = "".join(
            f'<Override PartName="/{s.path}" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for s in sheets
        )
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            f"{overrides}</Types>",
        )  # fmt: skip
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>",
        )  # fmt: skip
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        z.writestr(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:creator>精准扶贫业务管理系统</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            "</cp:coreProperties>",
        )  # fmt: skip
        z.writestr(
            "docProps/app.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>Microsoft Excel</Application></Properties>",
        )  # fmt: skip
        sheet_xml = "".join(
            f'<sheet name="{_esc(s.name)}" sheetId="{i}" r:id="rId{i}"'
            f"{' state=' + chr(34) + 'hidden' + chr(34) if s.hidden else ''}/>"
            for i, s in enumerate(sheets, start=1)
        )
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{_esc(s.print_titles)}'
            "</definedName>"
            for i, s in enumerate(sheets)
            if not s.hidden
        )
        active = next((i for i, s in enumerate(sheets) if not s.hidden), 0)
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<bookViews><workbookView activeTab="{active}" firstSheet="{active}"/></bookViews>'
            f"<sheets>{sheet_xml}</sheets>"
            f"{'<definedNames>' + names + '</definedNames>' if names else ''}"
            "</workbook>",
        )  # fmt: skip
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="{s.path[3:]}"/>'
            for i, s in enumerate(sheets, start=1)
        )  # fmt: skip
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>",
        )  # fmt: skip
        z.writestr("xl/styles.xml", _STYLES_XML)
        z.close()


class _Pushback:
    """An iterator that can give back one item (to tell "exactly full" from "more to come")."""

    def __init__(self, iterable: Iterable) -> None:
        self._it = iter(iterable)
        self._back: list = []

    def __iter__(self) -> _Pushback:
        return self

    def __next__(self):
        if self._back:
            return self._back.pop()
        return next(self._it)

    def exhausted(self) -> bool:
        if self._back:
            return False
        try:
            self._back.append(next(self._it))
        except StopIteration:
            return True
        return False


_BORDER = '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/></border>'
_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="#,##0.00"/>'
    '<numFmt numFmtId="165" formatCode="0.00"/><numFmt numFmtId="166" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="4">'
    '<font><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="16"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><sz val="10"/><color rgb="FFC00000"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>'
    f'<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>{_BORDER}</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="12">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'  # 0 default
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'  # 1 text
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'  # 2 int
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'  # 3 money
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'  # 4 decimal
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'  # 5 date
    '<xf numFmtId="49" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center" wrapText="1"/></xf>'  # 6 header
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'  # 7 title
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'  # 8 subtitle
    '<xf numFmtId="49" fontId="3" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1">'
    '<alignment wrapText="1" vertical="top"/></xf>'  # 9 error
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1">'
    '<alignment wrapText="1" vertical="top"/></xf>'  # 10 note
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>'  # 11 year
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)  # fmt: skip


# --- Reader ----------------------------------------------------------------------------------


class FileRejected(Exception):
    """The upload is not a readable .xlsx file; the message says why, in the user's words."""


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97–2003) and other OLE files


def workbook_open(
    source: str | Path | IO[bytes], *, filename: str = "", max_bytes: int | None = None
):
    """Open an uploaded workbook with python-calamine, refusing anything that is not .xlsx.

    Checks, in order: size (``LEDGER_IMPORT_MAX_BYTES``), the name's extension, the first
    bytes (an .xls renamed to .xlsx is still refused as .xls), and that the zip holds a
    workbook. Raises FileRejected with a message for the user.
    """
    import python_calamine

    max_bytes = max_bytes or settings.LEDGER_IMPORT_MAX_BYTES
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    else:
        source.seek(0, io.SEEK_END)
        size = source.tell()
        source.seek(0)
        head = source.read(8)
        source.seek(0)
    if size > max_bytes:
        raise FileRejected(
            _("文件大小 %(size).1f MB 超过上限 %(limit).1f MB，请按乡镇或村拆分后分批导入")
            % {"size": size / 1048576, "limit": max_bytes / 1048576}
        )
    suffix = Path(filename).suffix.lower()
    if head.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise FileRejected(
            _("不支持 .xls（Excel 97-2003）格式：请在 Excel 中“另存为” .xlsx 工作簿后再上传")
        )
    if suffix in (".csv", ".txt") or (
        suffix not in (".xlsx", "") and not head.startswith(_ZIP_MAGIC)
    ):
        raise FileRejected(
            _("只接受 .xlsx 格式的 Excel 工作簿（收到的是 %(suffix)s 文件）：请用模板填写后上传")
            % {"suffix": suffix or _("无扩展名")}
        )
    if size == 0 or not head.startswith(_ZIP_MAGIC):
        raise FileRejected(_("文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或不是表格文件"))
    try:
        if isinstance(source, (str, Path)):
            with zipfile.ZipFile(source) as archive:
                names = set(archive.namelist())
        else:
            with zipfile.ZipFile(source) as archive:
                names = set(archive.namelist())
            source.seek(0)
        if "xl/workbook.xml" not in names:
            raise FileRejected(_("文件不是 Excel 工作簿（可能是 Word 或其他压缩文件）"))
        if isinstance(source, (str, Path)):
            return python_calamine.CalamineWorkbook.from_path(str(source))
        return python_calamine.CalamineWorkbook.from_filelike(source)
    except FileRejected:
        raise
    except Exception as exc:  # zipfile.BadZipFile, calamine's own errors
        raise FileRejected(
            _("文件无法读取，可能已损坏：请在 Excel 中打开并重新保存后再上传")
        ) from exc


_HEADER_DROP = re.compile(r"[\s*＊:：?？!！·•\"'“”‘’]")


def header_normalize(text: object) -> str:
    """Compare header names loosely: NFKC (full-width → half-width), no spaces or marks."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = _HEADER_DROP.sub("", value)
    return value.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")").lower()


@dataclass
class HeaderMatch:
    row_index: int  # 0-based within the sheet as read
    columns: dict[str, int]  # column key → 0-based column index
    headers: list[str]  # the user's own header texts (for the error workbook)
    missing: list[Column]  # required columns not found
    unknown: list[str]  # header texts not matched (ignored)


def sheet_rows(sheet) -> Iterator[list[Any]]:
    """A python-calamine sheet's rows from A1, one list at a time: the same rows as
    ``sheet.to_python(skip_empty_area=False)`` without holding them all as Python lists
    (``iter_rows`` starts at row 1 but at the first used column: the columns before it are
    added back, so a list index is still the column's)."""
    start = sheet.start
    if start is None:  # an empty sheet
        return iter(())
    if not start[1]:
        return iter(sheet.iter_rows())
    blank = [""] * start[1]
    return ([*blank, *row] for row in sheet.iter_rows())


class SheetReader:
    """Rows of one sheet matched to a column spec; header found among the first rows.

    ``rows`` are the sheet's cells from A1 (python-calamine's ``to_python(skip_empty_area=
    False)``), so list index + 1 is the Excel row number the user sees. A reader made
    :meth:`from_sheet` reads the same rows from the sheet one at a time (``rows`` stays
    empty) until :meth:`release`.
    """

    def __init__(
        self,
        name: str,
        rows: list[list[Any]],
        columns: Sequence[Column],
        *,
        scan_rows: int = 20,
        sheet=None,
    ):
        self.name = name
        self.rows = rows
        self.columns = columns
        self.scan_rows = scan_rows
        self._sheet = sheet
        self.match = self._find_header()

    @classmethod
    def from_sheet(cls, sheet, columns: Sequence[Column]) -> SheetReader:
        return cls(sheet.name, [], columns, sheet=sheet)

    def all_rows(self) -> Iterator[list[Any]]:
        """Every row from A1, blank ones included."""
        if self._sheet is None:
            return iter(self.rows)
        return sheet_rows(self._sheet)

    def release(self) -> None:
        """Let go of the cells (the match and header texts stay)."""
        self._sheet = None
        self.rows = []

    @property
    def score(self) -> int:
        return len(self.match.columns) if self.match else 0

    def _find_header(self) -> HeaderMatch | None:
        wanted: dict[str, str] = {}
        for col in self.columns:
            for label in (col.header, *col.aliases):
                wanted.setdefault(header_normalize(label), col.key)
        best: HeaderMatch | None = None
        best_score = 0
        for index, row in enumerate(islice(self.all_rows(), self.scan_rows)):
            found: dict[str, int] = {}
            unknown: list[str] = []
            for col_index, cell in enumerate(row):
                if cell in ("", None):
                    continue
                key = wanted.get(header_normalize(cell))
                if key and key not in found:
                    found[key] = col_index
                else:
                    unknown.append(str(cell))
            if len(found) > best_score:
                best_score = len(found)
                missing = [c for c in self.columns if c.required and c.key not in found]
                headers = [str(c).replace("*", "").replace("＊", "").strip() for c in row]
                best = HeaderMatch(index, found, headers, missing, unknown)
        if best is None or best_score < min(2, len(self.columns)):
            return None
        return best

    def records(self) -> Iterator[tuple[int, dict[str, Any], list[Any]]]:
        """(Excel row number, {key: raw cell}, the raw row) for every non-blank data row."""
        if self.match is None:
            return
        columns = self.match.columns
        first = self.match.row_index + 1
        for index, row in enumerate(self.all_rows()):
            if index < first:
                continue
            if all(
                cell in ("", None) or (isinstance(cell, str) and not cell.strip()) for cell in row
            ):
                continue
            values = {key: (row[i] if i < len(row) else "") for key, i in columns.items()}
            yield index + 1, values, row

    def data_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(Excel row number, the raw row) for every non-blank data row (no per-row dict)."""
        if self.match is None:
            return
        rows = self.all_rows()
        for _header in islice(rows, self.match.row_index + 1):
            pass
        for index, row in enumerate(rows, start=self.match.row_index + 1):
            for cell in row:
                if cell is None or cell == "" or (isinstance(cell, str) and not cell.strip()):
                    continue
                yield index + 1, row
                break

    def header_of(self, key: str) -> str:
        """The user's own header text for a column key (for messages)."""
        if self.match and key in self.match.columns:
            text = self.match.headers[self.match.columns[key]]
            if text:
                return text
        return next((c.header.rstrip("*") for c in self.columns if c.key == key), key)


# --- Cell parsers: (value, error message or "") --------------------------------------------

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．－，", "0123456789.-,")


def cell_text(raw: Any) -> tuple[str, str]:
    if raw is None or raw == "":
        return "", ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw)), ""
    if isinstance(raw, (datetime.date, datetime.datetime)):
        return raw.isoformat()[:10], ""
    return str(raw).strip(), ""


def cell_number_text(raw: Any, *, what: str) -> tuple[str, str]:
    """IDs, household numbers, bank accounts: text; a number only if Excel kept it exactly."""
    if raw is None or raw == "":
        return "", ""
    if isinstance(raw, bool):
        return "", _("%(what)s格式不正确") % {"what": what}
    if isinstance(raw, (int, float)):
        if abs(raw) >= 1e15 or (isinstance(raw, float) and not raw.is_integer()):
            shown = f"{raw:.14E}".replace(".00000000000000", "")
            return "", _(
                "%(what)s以数字格式保存，Excel 只保留15位有效数字，"
                "已变成 %(shown)s，无法还原：请把该列设置为“文本”格式后重新填写"
            ) % {"what": what, "shown": shown}
        return str(int(raw)), ""
    return str(raw).strip(), ""


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def cell_date(raw: Any) -> tuple[datetime.date | None, str]:
    """Date cells, Excel serial numbers, and text such as 2019-03-05, 2019/3/5, 2019年3月5日."""
    if raw is None or raw == "":
        return None, ""
    if isinstance(raw, datetime.datetime):
        return raw.date(), ""
    if isinstance(raw, datetime.date):
        return raw, ""
    message = _("日期格式不正确：应为日期，如 2019-03-05")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        number = int(raw)
        if 19000101 <= number <= 21001231:  # 20190305 typed as a number
            return _date_or_error(str(number)[:4], str(number)[4:6], str(number)[6:], message)
        if 1 <= number < 2958466:  # an Excel serial (days since 1899-12-30)
            return datetime.date.fromordinal(_EXCEL_EPOCH_ORDINAL + number), ""
        return None, message
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not match:
        return None, message
    return _date_or_error(*match.groups(), message)


def _date_or_error(year: str, month: str, day: str, message: str):
    try:
        return datetime.date(int(year), int(month), int(day)), ""
    except ValueError:
        return None, message


def cell_decimal(
    raw: Any, *, places: int = 2, minimum: Decimal | None = None
) -> tuple[Decimal | None, str]:
    if raw is None or raw == "":
        return None, ""
    if isinstance(raw, bool):
        return None, _("应为数字")
    try:
        if isinstance(raw, float):
            value = Decimal(repr(raw))
        elif isinstance(raw, int):
            value = Decimal(raw)
        else:
            text = str(raw).translate(_FULLWIDTH_DIGITS).replace(",", "").replace("元", "").strip()
            value = Decimal(text)
    except InvalidOperation:
        return None, _("应为数字")
    if not value.is_finite():
        return None, _("应为数字")
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if minimum is not None and rounded < minimum:
        return None, _("不能小于 %(min)s") % {"min": minimum}
    return rounded, ""


def cell_int(
    raw: Any, *, minimum: int | None = None, maximum: int | None = None
) -> tuple[int | None, str]:
    value, error = cell_decimal(raw, places=6)
    if error or value is None:
        return None, _("应为整数") if error else ""
    if value != value.to_integral_value():
        return None, _("应为整数")
    number = int(value)
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        return None, _("应在 %(min)s 到 %(max)s 之间") % {"min": minimum, "max": maximum}
    return number, ""


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有", "已"}
_FALSE = {"否", "n", "no", "false", "0", "×", "x", "无", "未"}


def cell_bool(raw: Any) -> tuple[bool | None, str]:
    if raw is None or raw == "":
        return None, ""
    if isinstance(raw, bool):
        return raw, ""
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw), ""
    text = unicodedata.normalize("NFKC", str(raw)).strip().lower()
    if text in _TRUE:
        return True, ""
    if text in _FALSE:
        return False, ""
    return None, _("应填“是”或“否”")


def choice_lookup(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    """label → code, code → code, and loose forms of both (no spaces, half-width)."""
    lookup: dict[str, str] = {}
    for code, label in choices:
        for key in (str(code), str(label)):
            lookup[header_normalize(key)] = str(code)
    return lookup


def cell_choice(raw: Any, lookup: dict[str, str], *, code_width: int = 0) -> tuple[str, str]:
    """A code-list value given as its label (因病) or its code (01, or 1 typed as a number)."""
    if raw is None or raw == "":
        return "", ""
    if isinstance(raw, float) and raw.is_integer():
        raw = str(int(raw)).zfill(code_width)
    key = header_normalize(raw)
    code = lookup.get(key) or (lookup.get(key.zfill(code_width)) if code_width else None)
    if code is None:
        return "", _("“%(value)s”不是可选的值") % {"value": str(raw).strip()}
    return code, ""
