"""Table tests for the 12-digit division code helpers (villages/codes.py). No database."""

from __future__ import annotations

import pytest

from villages.codes import (
    LEVEL_PREFIX_LENGTH,
    LEVELS,
    code_ancestors,
    code_is_well_formed,
    code_level,
    code_parent,
    code_prefix,
    normalize_code,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("511725109000", "511725109000"),
        (" 511725109000 ", "511725109000"),
        ("5117 2510 9000", "511725109000"),
        ("５１１７２５１０９０００", "511725109000"),  # full-width digits
        ("\u3000511725109000\u3000", "511725109000"),  # ideographic spaces at the ends
        ("511725109000.0", "511725109000"),  # a code Excel stored as a number
        (511725109000, "511725109000"),
        ("51", "510000000000"),  # significant prefixes are padded
        ("5117", "511700000000"),
        ("511725", "511725000000"),
        ("511725109", "511725109000"),
        ("51172", "51172"),  # not a prefix length: left for validation to reject
        (None, ""),
        ("", ""),
        ("abc", "abc"),
    ],
)
def test_normalize_code(raw, expected):
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("510000000000", "province"),
        ("511700000000", "city"),
        ("511725000000", "county"),
        ("511725109000", "township"),
        ("511725109201", "village"),
        ("632857000000", "county"),  # 大柴旦行委: a county-level unit
        ("632801400000", "township"),  # township-like unit (400–599) is still a township
        ("519000000000", "city"),  # "90": county-level units under the province
        ("000000000000", None),
        ("001700000000", None),
        ("510025000000", None),  # county digits under a zero prefecture part
        ("511700109000", None),  # township under a zero county part
        ("511725000201", None),  # village under a zero township part
        ("51172510900", None),  # 11 digits
        ("5117251090001", None),  # 13 digits
        ("51172510900X", None),
        ("", None),
    ],
)
def test_code_level(code, level):
    assert code_level(code) == level
    assert code_is_well_formed(code) is (level is not None)


@pytest.mark.parametrize("value", [None, 511725109000, b"511725109000"])
def test_non_strings_are_not_well_formed(value):
    assert code_is_well_formed(value) is False


@pytest.mark.parametrize(
    ("code", "prefix", "parent"),
    [
        ("510000000000", "51", None),
        ("511700000000", "5117", "510000000000"),
        ("511725000000", "511725", "511700000000"),
        ("511725109000", "511725109", "511725000000"),
        ("511725109201", "511725109201", "511725109000"),
    ],
)
def test_code_prefix_and_parent(code, prefix, parent):
    assert code_prefix(code) == prefix
    assert code_parent(code) == parent


def test_code_ancestors_lists_every_level_province_first():
    assert code_ancestors("511725109201") == [
        "510000000000",
        "511700000000",
        "511725000000",
        "511725109000",
    ]
    assert code_ancestors("630000000000") == []


@pytest.mark.parametrize("function", [code_prefix, code_parent, code_ancestors])
@pytest.mark.parametrize("code", ["", "51172510900X", "511700109000"])
def test_malformed_code_raises(function, code):
    with pytest.raises(ValueError, match="malformed division code"):
        function(code)


def test_prefix_lengths_follow_the_levels():
    assert [LEVEL_PREFIX_LENGTH[level] for level in LEVELS] == [2, 4, 6, 9, 12]


@pytest.mark.parametrize(
    "code", ["510000000000", "511700000000", "511725000000", "511725109000", "511725109201"]
)
def test_descendants_start_with_the_prefix(code):
    child_prefix = code_prefix(code)
    for ancestor in code_ancestors(code):
        assert child_prefix.startswith(code_prefix(ancestor))
