"""Masking of sensitive values (ID numbers, phones, bank accounts) for roles that do not need them.

One function per kind, used by pages, API serializers and Excel exports alike; whether a user
needs the full value is decided by poverty.scoping.user_sees_sensitive.
"""

from __future__ import annotations

__all__ = [
    "MASK_KEEP",
    "mask_bank_account",
    "mask_for",
    "mask_id_number",
    "mask_phone",
    "mask_value",
]

#: kind → (characters kept at the start, at the end). The SQL rendering of the API's hottest
#: reads (poverty.api.jsonrows, SQL function poverty_mask) masks with the same numbers.
MASK_KEEP = {"id_number": (4, 4), "phone": (3, 4), "bank_account": (4, 4)}


def mask_value(value: str | None, keep_start: int, keep_end: int, char: str = "*") -> str:
    """Keep the first ``keep_start`` and last ``keep_end`` characters, star the rest."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) <= keep_start + keep_end:
        return char * len(text)
    return (
        text[:keep_start]
        + char * (len(text) - keep_start - keep_end)
        + text[len(text) - keep_end :]
    )


def mask_id_number(value: str | None) -> str:
    """6204**********1234: province and prefecture digits and the last four (DOMAIN.md §15)."""
    return mask_value(value, *MASK_KEEP["id_number"])


def mask_phone(value: str | None) -> str:
    """138****5678."""
    return mask_value(value, *MASK_KEEP["phone"])


def mask_bank_account(value: str | None) -> str:
    """6222************1234."""
    return mask_value(value, *MASK_KEEP["bank_account"])


_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "bank_account": mask_bank_account}


def mask_for(user, kind: str, value: str | None) -> str:
    """The value as ``user`` may see it: whole, or masked by ``kind``."""
    from poverty.scoping import user_sees_sensitive

    if user_sees_sensitive(user):
        return value or ""
    return _MASKERS[kind](value)
