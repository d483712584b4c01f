"""A file of another kind than the one chosen on the import page is named as such."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from households.ledgers.template import template_write
from poverty.ledgers.imports import import_kind_hint


@pytest.mark.parametrize(
    ("sheets", "chosen", "hint"),
    [
        (["填表说明", "走访记录", "示例-走访记录", "代码表"], "households", "visits"),
        (["结对帮扶台账"], "households", "pairings"),
        (["户信息", "家庭成员"], "visits", "households"),
        ([" 户 信 息 "], "pairings", "households"),  # names compared loosely, like headers
        (["走访记录"], "visits", None),  # the right kind: nothing to say
        (["户信息", "走访记录"], "households", None),  # holds the chosen kind's sheet
        (["Sheet1"], "households", None),  # nothing recognisable
        (["走访记录", "结对帮扶"], "households", None),  # two candidates: no guess
    ],
)
def test_import_kind_hint(sheets, chosen, hint):
    assert import_kind_hint(sheets, chosen) == hint


@pytest.mark.django_db
def test_the_command_names_the_kind_of_a_file_imported_as_the_wrong_kind(tmp_path, capsys):
    path = tmp_path / "visits.xlsx"
    with open(path, "wb") as handle:
        template_write("visits", handle)
    with pytest.raises(CommandError):
        call_command("import_households", str(path), "--dry-run")
    errors = capsys.readouterr().err.splitlines()
    assert "请改选“走访记录”" in errors[0], errors
