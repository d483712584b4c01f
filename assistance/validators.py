"""Checks of uploaded visit photos: size and type, by the file's first bytes, not its name.

Pillow is not a dependency: the signatures of the formats phones produce (JPEG, PNG, WebP,
HEIC/HEIF) are enough to refuse a document or a script renamed to .jpg.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "MSG_PHOTO_TOO_LARGE",
    "MSG_PHOTO_TYPE",
    "PHOTO_EXTENSIONS",
    "photo_kind",
    "photo_max_bytes",
    "validate_photo",
]

MSG_PHOTO_TOO_LARGE = _("照片不能超过 %(limit)s MB（当前 %(size)s MB）")
MSG_PHOTO_TYPE = _("照片只能是 JPEG、PNG、WebP 或 HEIC 格式的图片")

# kind → extension used for the stored file name (the uploaded name is never trusted).
PHOTO_EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "heic": "heic"}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")


def photo_max_bytes() -> int:
    """The size limit; setting POVERTY_VISIT_PHOTO_MAX_BYTES, 5 MB by default."""
    return int(getattr(settings, "POVERTY_VISIT_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


def photo_kind(head: bytes) -> str | None:
    """The image format named by a file's first 16 bytes, or None if it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def validate_photo(upload) -> str:
    """Check an uploaded file's size and signature; return its kind ("jpeg", "png" …)."""
    limit = photo_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            MSG_PHOTO_TOO_LARGE,
            code="photo_too_large",
            params={
                "limit": f"{limit / 1024 / 1024:g}",
                "size": f"{upload.size / 1024 / 1024:.1f}",
            },
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    kind = photo_kind(head)
    if kind is None:
        raise ValidationError(MSG_PHOTO_TYPE, code="photo_type")
    return kind
