"""Photos from phones: JPEG, PNG and HEIC/HEIF, recognised by their content (never by
name or declared type), within size and pixel limits (decompression-bomb safe).

Each accepted photo is stored three times under ``MEDIA_ROOT``: the original (staff only;
its EXIF position and time are also kept, readable, in ``PhotoCopy.exif``), and a
re-encoded public copy and thumbnail that carry no metadata at all. HEIC is decoded with
``pillow-heif`` when it is installed; without it a HEIC file is still recognised by its
``ftyp`` box and stored for staff, but gets no public copy.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps, UnidentifiedImageError

from urbangrid.cases.exceptions import InvalidInput
from urbangrid.cases.models import Attachment, Case, CaseEvent
from urbangrid.common import clock, images
from urbangrid.common.images import HEIF_DECODER, max_bytes, max_pixels, sniff
from urbangrid.intake.models import PhotoCopy
from urbangrid.organisations.models import User

PUBLIC_MAX_SIDE = 2048
THUMB_SIDE = 320
MAX_PHOTOS = 6


@dataclass
class Photo:
    """A checked photo, ready to store."""

    original: bytes
    kind: str  # jpeg, png, heic
    content_type: str
    width: int
    height: int
    public: bytes | None
    thumbnail: bytes | None
    exif: dict[str, Any] = field(default_factory=dict)


_PILLOW_FORMATS = {"jpeg": ["JPEG"], "png": ["PNG"], "webp": ["WEBP"], "heic": ["HEIF"]}
_CONTENT_TYPES = images.CONTENT_TYPES


def refuse(message: str, params: Mapping[str, Any] | None = None) -> InvalidInput:
    """The error for a refused photo: ``message`` is a msgid (``gettext_noop``)."""
    return InvalidInput(message, field="photos", code="invalid_photo", params=params)


def _too_large() -> InvalidInput:
    return refuse(
        gettext_noop("a photo is larger than %(megabytes)s MB"),
        {"megabytes": max_bytes() // (1024 * 1024)},
    )


def read_photo(data: bytes) -> Photo:
    """Check ``data`` and make its clean copies; ``InvalidInput`` (field ``photos``) if it
    is not an acceptable photo."""
    if len(data) > max_bytes():
        raise _too_large()
    kind = sniff(data)
    if kind is None:
        raise refuse(gettext_noop("a file is not a photo (JPEG, PNG or HEIC)"))
    if kind == "heic" and not HEIF_DECODER:  # pragma: no cover - depends on the installation
        return Photo(data, kind, _CONTENT_TYPES[kind], 0, 0, None, None, {})
    try:
        images.inspect_image(data)  # the one gate: content, size, pixels, bombs
    except images.ImageRejectedError as exc:
        raise refuse(exc.msgid, exc.params) from None
    try:
        with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[kind]) as image:
            width, height = image.size
            if width <= 0 or height <= 0 or width * height > max_pixels():
                raise refuse(
                    gettext_noop("a photo has more than %(pixels)s pixels"),
                    {"pixels": f"{max_pixels():,}"},
                )
            exif = _exif_facts(image)
            image.load()
            upright = ImageOps.exif_transpose(image)
            public = _clean_jpeg(upright, PUBLIC_MAX_SIDE)
            thumbnail = _clean_jpeg(upright, THUMB_SIDE)
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refuse(
            gettext_noop("a photo could not be read (damaged, or not what its content says)")
        ) from None
    return Photo(data, kind, _CONTENT_TYPES[kind], width, height, public, thumbnail, exif)


def _clean_jpeg(image: Image.Image, side: int) -> bytes:
    """A JPEG of ``image`` at most ``side`` pixels wide and high, with no metadata."""
    rgb = image.convert("RGB")
    rgb.thumbnail((side, side))
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _ratio(value: Any) -> float:
    return float(value)


def _degrees(dms: Any, ref: Any) -> float | None:
    try:
        d, m, s = (_ratio(v) for v in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if str(ref).upper() in {"S", "W"} else value


def _exif_facts(image: Image.Image) -> dict[str, Any]:
    """Position, time and device from EXIF (for staff); empty if there is none."""
    try:
        exif = image.getexif()
    except Exception:
        return {}
    facts: dict[str, Any] = {}
    for tag, name in ((271, "make"), (272, "model"), (306, "datetime")):
        if exif.get(tag):
            facts[name] = str(exif[tag]).strip("\x00 ")
    try:
        detail = exif.get_ifd(0x8769)
        if detail.get(36867):
            facts["taken_at"] = str(detail[36867]).strip("\x00 ")
        gps = exif.get_ifd(0x8825)
    except Exception:
        return facts
    if gps.get(2) and gps.get(4):
        lat, lng = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
        if lat is not None and lng is not None:
            facts["lat"], facts["lng"] = round(lat, 7), round(lng, 7)
    return facts


def read_uploads(uploads: list[Any]) -> list[Photo]:
    """Every uploaded file as a checked photo (all or none)."""
    if len(uploads) > MAX_PHOTOS:
        raise refuse(gettext_noop("at most %(count)s photos"), {"count": MAX_PHOTOS})
    photos = []
    for upload in uploads:
        if upload.size is not None and upload.size > max_bytes():
            raise _too_large()
        photos.append(read_photo(upload.read()))
    return photos


def store_photos(
    case: Case, photos: list[Photo], *, kind: str, actor: User | None, event: CaseEvent | None
) -> list[Attachment]:
    """Store ``photos`` of ``case`` (original + clean copies); inside the caller's
    transaction."""
    stored = []
    now = clock.now()
    for photo in photos:
        name = uuid.uuid4().hex
        attachment = Attachment.objects.create(
            case=case,
            event=event,
            kind=kind,
            file=ContentFile(photo.original, name=f"{name}.{photo.kind}"),
            content_type=photo.content_type,
            size=len(photo.original),
            width=photo.width,
            height=photo.height,
            uploaded_by=actor,
            uploaded_at=now,
        )
        copy = PhotoCopy(attachment=attachment, original_format=photo.kind, exif=photo.exif)
        if photo.public is not None:
            copy.public_file.save(f"{name}.jpg", ContentFile(photo.public), save=False)
        if photo.thumbnail is not None:
            copy.thumbnail.save(f"{name}.jpg", ContentFile(photo.thumbnail), save=False)
        copy.save()
        stored.append(attachment)
    return stored


def public_bytes(attachment: Attachment, *, thumbnail: bool = False) -> bytes | None:
    """The metadata-free copy of ``attachment`` (``None`` if it has none)."""
    copy = PhotoCopy.objects.filter(attachment=attachment).first()
    if copy is None:
        return None
    file = copy.thumbnail if thumbnail else copy.public_file
    if not file:
        return None
    with file.open("rb") as handle:
        data: bytes = handle.read()
    return data
