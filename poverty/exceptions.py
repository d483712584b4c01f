"""The business exceptions. Pages map them to form errors, the API to a 4xx JSON body."""

from __future__ import annotations

__all__ = ["BusinessRuleError", "ConcurrencyError"]


class BusinessRuleError(Exception):
    """A write refused by a business rule; the message is in the user's language."""

    def __init__(
        self, message, *, field: str | None = None, code: str = "invalid", extra: dict | None = None
    ):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
        self.extra = extra or {}


class ConcurrencyError(BusinessRuleError):
    """The record was changed by someone else since the user loaded it (optimistic locking)."""

    def __init__(
        self, message, *, changed_by: str = "", changed_at=None, current_version: int | None = None
    ):
        super().__init__(
            message,
            code="conflict",
            extra={
                "changed_by": changed_by,
                "changed_at": changed_at,
                "current_version": current_version,
            },
        )
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version
