"""Upload attacks are refused with a 4xx and store nothing: a file that is not what it
claims (name, declared type, or magic bytes with garbage behind), an oversize file, a
decompression bomb (a tiny PNG declaring billions of pixels, and a real highly-compressed
one), and an SVG with a script — on ``POST /api/v1/cases/{number}/attachments`` and on
the Open311 multipart ``POST requests``."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from urbangrid.cases.models import Attachment, Case

from .conftest import Cases, token_client

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<html><body><script>alert(1)</script></body></html>"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_declaring(width: int, height: int, rows: int = 4) -> bytes:
    """A small PNG whose header declares ``width`` × ``height`` grey pixels."""
    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(rows))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def real_bomb() -> bytes:
    """A complete 1-bit 16000 × 16000 PNG (256 M pixels) of zeros: ~40 KB on disk."""
    width = height = 16_000
    row = b"\x00" + b"\x00" * (width // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


ATTACKS = {
    "html named .jpg": ("photo.jpg", "image/jpeg", HTML),
    "jpeg magic then html": ("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + HTML * 10),
    "png magic then garbage": ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + HTML),
    "svg with script": ("photo.svg", "image/svg+xml", SVG),
    "svg named .png": ("photo.png", "image/png", SVG),
    "pdf named .jpg": ("photo.jpg", "image/jpeg", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj"),
    "header bomb": ("bomb.png", "image/png", png_declaring(100_000, 100_000)),
    "pixel flood under pillow's limit": ("big.png", "image/png", png_declaring(11_000, 11_000)),
    "real bomb": ("bomb.png", "image/png", real_bomb()),
}
OVERSIZE = 16 * 1024 * 1024


def oversize_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, format="JPEG")
    return out.getvalue() + b"\x00" * OVERSIZE  # a valid JPEG padded past every limit


ALL_ATTACKS = [*ATTACKS, "oversize"]


@pytest.mark.django_db
@pytest.mark.parametrize("attack", ALL_ATTACKS)
def test_case_attachment_upload_refuses(cases: Cases, attack):
    name, content_type, data = ATTACKS.get(attack) or ("big.jpg", "image/jpeg", oversize_jpeg())
    client = token_client(cases.world.handler)
    response = client.post(
        f"/api/v1/cases/{cases.mine.number}/attachments",
        {"file": SimpleUploadedFile(name, data, content_type), "kind": "department"},
    )
    assert response.status_code in (400, 413), (attack, response.status_code, response.content)
    assert response.json()["code"]
    assert not Attachment.objects.filter(case=cases.mine).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("attack", ALL_ATTACKS)
def test_open311_multipart_post_refuses(world, attack):
    name, content_type, data = ATTACKS.get(attack) or ("big.jpg", "image/jpeg", oversize_jpeg())
    lng, lat = world.point(1)
    before = Case.objects.count()
    response = world_client().post(
        "/open311/v2/requests.json",
        {
            "api_key": "demo-key",
            "service_code": world.matter.code,
            "lat": str(lat),
            "long": str(lng),
            "description": "附图",
            "media": SimpleUploadedFile(name, data, content_type),
        },
    )
    assert response.status_code in (400, 413), (attack, response.status_code, response.content)
    assert Case.objects.count() == before
    assert not Attachment.objects.exists()


def world_client() -> Client:
    from django.test import Client

    return Client()


@pytest.mark.django_db
def test_a_real_photo_is_accepted(cases: Cases):
    """The control: the same request with a real PNG is stored."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(out, format="PNG")
    response = token_client(cases.world.handler).post(
        f"/api/v1/cases/{cases.mine.number}/attachments",
        {"file": SimpleUploadedFile("x.bin", out.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 201, response.content
