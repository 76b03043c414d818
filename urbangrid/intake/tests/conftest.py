"""The case tests' tiny city and personas, plus photo builders and a session client."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from urbangrid.cases.tests.conftest import (  # noqa: F401 - fixtures re-exported
    World,
    _media,
    api,
    build_world,
    frozen,
    world,
)

PHONE = "13812341234"
NAME = "张三"
EMAIL = "zhang@example.com"


def jpeg(width: int = 64, height: int = 48, *, gps: bool = True) -> bytes:
    """A JPEG with EXIF position (39.9084 N, 116.4 E), time and camera."""
    image = Image.new("RGB", (width, height), "blue")
    exif = image.getexif()
    exif[271] = "PhoneCam"
    exif[306] = "2025:09:29 08:00:00"
    if gps:
        info = exif.get_ifd(0x8825)
        info[1], info[3] = "N", "E"
        info[2] = (IFDRational(39), IFDRational(54), IFDRational(30))
        info[4] = (IFDRational(116), IFDRational(24), IFDRational(0))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 32, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, "PNG")
    return out.getvalue()


def heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (48, 32), "red").save(out, format="HEIF")
    return out.getvalue()


@pytest.fixture
def session() -> Any:
    """``session(user)`` → a test client logged in with a session (CSRF enforced)."""
    from django.test import Client

    def client_for(user: Any) -> Client:
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        return client

    return client_for
