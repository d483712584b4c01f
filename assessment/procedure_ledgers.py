"""The notice list (公示名单) as an Excel file, with the ledger writer of poverty.xlsx: title
with region and year, the notice dates, masked ID numbers, A4 print setup."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _

from assessment.procedure_selectors import NoticeRow
from poverty.xlsx import Column, XlsxWriter

__all__ = ["NOTICE_COLUMNS", "notice_list_xlsx"]

NOTICE_COLUMNS = (
    Column("序号", "int", width=6),
    Column("村", width=16),
    Column("村民小组", width=12),
    Column("户主姓名", width=12),
    Column("证件号码", width=22),
    Column("家庭人口数", "int", width=10),
    Column("公示事项", width=14),
    Column("年度", "year", width=8),
    Column("公示开始日期", "date", width=12),
    Column("公示截止日期", "date", width=12),
)


def notice_list_xlsx(rows: Sequence[NoticeRow], *, title: str, subtitle: str) -> bytes:
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as book:
        book.write_sheet(
            _("公示名单"),
            NOTICE_COLUMNS,
            (
                (
                    r.number,
                    r.village,
                    r.group,
                    r.head_name,
                    r.id_number_masked,
                    r.size,
                    r.kind,
                    r.year,
                    r.notice_start,
                    r.notice_end,
                )
                for r in rows
            ),
            title=title,
            subtitle=subtitle,
        )
    return buffer.getvalue()
