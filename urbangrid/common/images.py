"""Checking uploaded photos by their content: one gate for every channel.

A photo is accepted only when its bytes are a JPEG, PNG, WebP or HEIC/HEIF image (never
trusting the file name or declared type), within the byte and pixel limits
(``URBANGRID_MAX_PHOTO_BYTES``, ``URBANGRID_MAX_PHOTO_PIXELS``). The pixel count is read
from the header and checked *before* any decoding, so decompression bombs are refused
without being expanded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_noop
from PIL import Image, UnidentifiedImageError

from urbangrid.common.errors import LocalisedError

try:  # HEIC/HEIF from phones, when pillow-heif is installed.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_DECODER = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_DECODER = False

HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
}
_PILLOW_FORMATS = {"jpeg": ["JPEG"], "png": ["PNG"], "webp": ["WEBP"], "heic": ["HEIF"]}


class ImageRejectedError(LocalisedError, ValueError):
    """The upload is not an acceptable photo; the message (a msgid with ``params``,
    ``common.errors``) says why."""


@dataclass(frozen=True)
class ImageFacts:
    kind: str  # jpeg, png, webp, heic
    content_type: str
    width: int
    height: int


def max_bytes() -> int:
    return int(getattr(settings, "URBANGRID_MAX_PHOTO_BYTES", 15 * 1024 * 1024))


def max_pixels() -> int:
    return int(getattr(settings, "URBANGRID_MAX_PHOTO_PIXELS", 40_000_000))


def sniff(data: bytes) -> str | None:
    """``jpeg``, ``png``, ``webp`` or ``heic`` from the first bytes, else ``None``."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if len(data) >= 12 and data[4:8] == b"ftyp":
        size = int.from_bytes(data[:4], "big")
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, min(size, 64), 4)}
        if brands & HEIF_BRANDS:
            return "heic"
    return None


def inspect_image(data: bytes) -> ImageFacts:
    """What ``data`` is, or ``ImageRejectedError``. Decodes the whole image (to catch damaged
    or disguised files) only after the header passed the size and pixel limits."""
    limit = max_bytes()
    if len(data) > limit:
        raise ImageRejectedError(
            gettext_noop("the photo is larger than %(megabytes)s MB"),
            params={"megabytes": limit // (1024 * 1024)},
        )
    kind = sniff(data)
    if kind is None:
        raise ImageRejectedError(gettext_noop("the file is not a photo (JPEG, PNG, WebP or HEIC)"))
    if kind == "heic" and not HEIF_DECODER:  # pragma: no cover - depends on the installation
        raise ImageRejectedError(gettext_noop("HEIC photos cannot be read on this server"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[kind]) as image:
                width, height = image.size
                if width <= 0 or height <= 0 or width * height > max_pixels():
                    raise ImageRejectedError(
                        gettext_noop("the photo has more than %(pixels)s pixels"),
                        params={"pixels": f"{max_pixels():,}"},
                    )
                image.load()
    except ImageRejectedError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ImageRejectedError(
            gettext_noop("the photo could not be read (damaged, or not what it claims)")
        ) from exc
    return ImageFacts(kind, CONTENT_TYPES[kind], width, height)
