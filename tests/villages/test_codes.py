"""Table tests for the 12-digit division code helpers (villages/codes.py). No database."""

from __future__ import annotations

import pytest
from django.db.models import Q

from villages.codes import (
    LEVEL_PREFIX_LENGTH,
    LEVELS,
    code_ancestors,
    code_is_well_formed,
    code_level,
    code_parent,
    code_prefix,
    code_prefix_bounds,
    code_under_q,
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


@pytest.mark.parametrize(
    ("prefix", "bounds"),
    [
        ("43", ("43", "44")),
        ("4312", ("4312", "4313")),
        ("4319", ("4319", "4320")),  # carry into the previous digit
        ("431299", ("431299", "431300")),
        ("511722109", ("511722109", "511722110")),
        ("09", ("09", "10")),  # a leading zero is kept
        ("99", ("99", None)),  # nothing above the last province
        ("999999999999", ("999999999999", None)),
    ],
)
def test_code_prefix_bounds(prefix, bounds):
    assert code_prefix_bounds(prefix) == bounds


@pytest.mark.parametrize("bad", ["", "43a1", "４３", "4312%", "1234567890123"])
def test_code_prefix_bounds_refuses_what_is_not_a_prefix(bad):
    with pytest.raises(ValueError):
        code_prefix_bounds(bad)


def test_code_under_q_is_a_range_or_for_a_village_an_equality():
    assert code_under_q("code", "4312") == Q(code__gte="4312", code__lt="4313")
    assert code_under_q("code", "99") == Q(code__gte="99")
    assert code_under_q("village__code", "431202100201") == Q(village__code="431202100201")
    # a plain code column keeps the prefix match its pattern_ops index serves
    assert code_under_q("division_code", "4312") == Q(division_code__startswith="4312")


@pytest.mark.django_db
def test_code_under_q_selects_exactly_the_codes_that_start_with_the_prefix():
    """Against PostgreSQL and its collation: the range and the prefix match agree."""
    from villages.models import Region

    codes = [
        "430000000000", "431200000000", "431202000000", "431202100000", "431202100201",
        "431209000000", "431210000000", "431299000000", "431300000000", "440000000000",
        "990000000000", "999900000000",
    ]  # fmt: skip
    for code in codes:
        Region.objects.get_or_create(
            code=code,
            defaults={"name": code, "level": code_level(code), "parent_id": code_parent(code)},
        )
    regions = Region.objects.filter(code__in=codes)
    for prefix in ["43", "4312", "431202", "431202100", "431202100201", "4313", "99", "9999"]:
        expected = sorted(c for c in codes if c.startswith(prefix))
        got = sorted(regions.filter(code_under_q("code", prefix)).values_list("code", flat=True))
        assert got == expected, prefix
