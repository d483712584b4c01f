"""Masking of sensitive values (ID numbers, phones, bank accounts) for roles that do not need them.

One function per kind, used by pages, API serializers and Excel exports alike; whether a user
needs the full value is decided by poverty.scoping.user_sees_sensitive.
"""

from __future__ import annotations

__all__ = ["mask_bank_account", "mask_for", "mask_id_number", "mask_phone", "mask_value"]


def mask_value(value: str | None, *, keep_start: int, keep_end: int, char: str = "*") -> str:
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
    return mask_value(value, keep_start=4, keep_end=4)


def mask_phone(value: str | None) -> str:
    """138****5678."""
    return mask_value(value, keep_start=3, keep_end=4)


def mask_bank_account(value: str | None) -> str:
    """6222************1234."""
    return mask_value(value, keep_start=4, keep_end=4)


_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "bank_account": mask_bank_account}


def mask_for(user, kind: str, value: str | None) -> str:
    """The value as ``user`` may see it: whole, or masked by ``kind``."""
    from poverty.scoping import user_sees_sensitive

    if user_sees_sensitive(user):
        return value or ""
    return _MASKERS[kind](value)
