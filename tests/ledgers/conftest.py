import io

import openpyxl
import pytest

from tests.access import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def open_book(data) -> openpyxl.Workbook:
    """Open exported bytes (or a path) with openpyxl, as an inspector's Excel would."""
    if isinstance(data, (bytes, bytearray)):
        data = io.BytesIO(data)
    return openpyxl.load_workbook(data)


def header(ws, row: int = 3) -> list:
    return [c.value for c in ws[row]]


def data_rows(ws, first: int = 4) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=first, values_only=True)]
