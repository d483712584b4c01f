"""The 12-digit statistical division code (统计用区划代码): parse, validate, derive ancestors.

Structure: province 2 + prefecture 2 + county 2 + township 3 + village 3 digits; a higher
level is zero-padded. "Everything in this county" is a prefix match on the first six digits.
The digit ranges inside each part (e.g. 100–199 = 镇) are informational and never rejected.
"""

from __future__ import annotations

import re

from django.db.models import Q

__all__ = [
    "LEVELS",
    "LEVEL_PREFIX_LENGTH",
    "code_ancestors",
    "code_is_well_formed",
    "code_level",
    "code_parent",
    "code_prefix",
    "code_prefix_bounds",
    "code_under_q",
    "normalize_code",
]

LEVELS = ("province", "city", "county", "township", "village")
LEVEL_PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
_CODE_RE = re.compile(r"^\d{12}$")
_PREFIX_RE = re.compile(r"^[0-9]{1,12}$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def normalize_code(raw: object) -> str:
    """Strip spaces and full-width digits; pad a shorter prefix-style code to 12 digits."""
    text = str(raw if raw is not None else "").translate(_FULLWIDTH).strip().replace(" ", "")
    if text.endswith(".0"):  # a code that Excel stored as a number
        text = text[:-2]
    if text.isdigit() and len(text) in (2, 4, 6, 9):
        text = text.ljust(12, "0")
    return text


def code_level(code: str) -> str | None:
    """The level a well-formed code denotes, from its zero padding; None if malformed."""
    if not code_is_well_formed(code):
        return None
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return "county"
    if code[9:] == "000":
        return "township"
    return "village"


def code_is_well_formed(code: str) -> bool:
    """Twelve digits, a non-zero province part, and no non-zero part below a zero part."""
    if not isinstance(code, str) or not _CODE_RE.match(code) or code[:2] == "00":
        return False
    parts = [code[0:2], code[2:4], code[4:6], code[6:9], code[9:12]]
    seen_zero = False
    for part in parts[1:]:
        if int(part) == 0:
            seen_zero = True
        elif seen_zero:
            return False
    return True


def code_prefix(code: str) -> str:
    """The significant prefix of a code: what every descendant's code starts with."""
    level = code_level(code)
    if level is None:
        raise ValueError(f"malformed division code: {code!r}")
    return code[: LEVEL_PREFIX_LENGTH[level]]


def code_parent(code: str) -> str | None:
    """The parent's 12-digit code, or None for a province."""
    level = code_level(code)
    if level is None:
        raise ValueError(f"malformed division code: {code!r}")
    index = LEVELS.index(level)
    if index == 0:
        return None
    return code[: LEVEL_PREFIX_LENGTH[LEVELS[index - 1]]].ljust(12, "0")


def code_ancestors(code: str) -> list[str]:
    """Codes of all ancestors, province first."""
    result: list[str] = []
    parent = code_parent(code)
    while parent is not None:
        result.insert(0, parent)
        parent = code_parent(parent)
    return result


def code_prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """The half-open range [low, high) of codes that start with the digit string ``prefix``.

    "4312" -> ("4312", "4313"), "4319" -> ("4319", "4320"), "99" -> ("99", None). Division
    codes are fixed-width digit strings, so "starts with the prefix" and "lies in the range"
    select the same codes in every collation.
    """
    if not _PREFIX_RE.match(prefix):
        raise ValueError(f"not a division-code prefix: {prefix!r}")
    following = str(int(prefix) + 1).rjust(len(prefix), "0")
    return prefix, (following if len(following) == len(prefix) else None)


def code_under_q(field: str, prefix: str) -> Q:
    """Rows whose division code in ``field`` lies under the region with ``prefix``.

    For a region key (``code``, or a path ending in ``__code``: a foreign key to Region), a
    range rather than ``LIKE 'prefix%'``, for PostgreSQL's sake: the key's plain b-tree index
    serves a range in any collation (LIKE needs the C collation or a pattern_ops index), the
    range keeps an index on (village_code, …) usable for ORDER BY, and when a query holds two
    such conditions on one column (the user's scope and a region filter) the planner keeps the
    tighter bound instead of multiplying two selectivities, so its row estimates, and with
    them its plans, stay right. Plain code columns (``division_code``, ``region_code`` …) carry
    a varchar_pattern_ops index, which serves a prefix LIKE but not a range: they keep LIKE.
    """
    low, high = code_prefix_bounds(prefix)
    if field != "code" and not field.endswith("__code"):
        return Q(**{f"{field}__startswith": prefix})
    if len(prefix) == 12:
        return Q(**{field: prefix})
    if high is None:
        return Q(**{f"{field}__gte": low})
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})
