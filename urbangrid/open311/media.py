"""Photos for the public: copies without EXIF (GPS position, device, owner).

Open311 uploads are stripped before they are stored; photos from other channels are
stripped when first served through ``views.media`` and the clean copy is cached.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from urbangrid.cases.models import Attachment
from urbangrid.common import images

SAVE_AS = {"JPEG": ("JPEG", "image/jpeg", "jpg"), "PNG": ("PNG", "image/png", "png")}


def strip_metadata(data: bytes) -> tuple[bytes, str, str] | None:
    """``(bytes, content type, extension)`` of a re-encoded copy with no metadata, turned
    upright as its EXIF orientation said; ``None`` if ``data`` is not an image."""
    try:
        images.inspect_image(data)  # size, pixel and bomb limits before decoding
    except images.ImageRejectedError:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            fmt, content_type, ext = SAVE_AS.get(image.format or "", SAVE_AS["JPEG"])
            if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            clean = Image.new(upright.mode, upright.size)
            clean.paste(upright)
            out = io.BytesIO()
            clean.save(out, format=fmt, quality=90)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    return out.getvalue(), content_type, ext


def clean_upload(upload: UploadedFile[bytes]) -> UploadedFile[bytes]:
    """The upload without metadata (unchanged if it is not an image: the case service
    then refuses it with its own message)."""
    data = upload.read()
    upload.seek(0)
    stripped = strip_metadata(data)
    if stripped is None:
        return upload
    body, content_type, ext = stripped
    name = (upload.name or "photo").rsplit(".", 1)[0] + "." + ext
    return SimpleUploadedFile(name, body, content_type=content_type)


def public_copy(attachment: Attachment) -> tuple[bytes, str]:
    """The stripped copy of ``attachment`` (made once, then read from storage)."""
    path = f"open311/public/{attachment.pk}"
    for ext, content_type in (("jpg", "image/jpeg"), ("png", "image/png")):
        if default_storage.exists(f"{path}.{ext}"):
            with default_storage.open(f"{path}.{ext}", "rb") as cached:
                return cached.read(), content_type
    with attachment.file.open("rb") as original:
        stripped = strip_metadata(original.read())
    if stripped is None:
        raise FileNotFoundError(attachment.file.name)
    body, content_type, ext = stripped
    default_storage.save(f"{path}.{ext}", ContentFile(body))
    return body, content_type
