"""POST /api/v1/intake/reports/with-photos: photos checked by content, EXIF kept for
staff and stripped from every public copy."""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from urbangrid.cases.models import Attachment, Case
from urbangrid.intake.models import PhotoCopy, TrackingLink

from .conftest import heic, jpeg, png

URL = "/api/v1/intake/reports/with-photos"


def send(
    world: Any, client: Any, *files: tuple[str, bytes], key: str = "photo-key-1", **extra: Any
) -> Any:
    lng, lat = world.point()
    payload = {
        "matter_code": world.matter.code,
        "lng": lng,
        "lat": lat,
        "idempotency_key": key,
        **extra,
    }
    uploads = [SimpleUploadedFile(name, data, content_type="image/jpeg") for name, data in files]
    return client.post(URL, {"payload": json.dumps(payload), "photos": uploads})


def test_photos_are_stored_with_exif_for_staff_and_a_clean_public_copy(world, api):
    answer = send(world, api(world.inspector), ("a.jpg", jpeg()), ("b.png", png()))
    assert answer.status_code == 201, answer.json()
    ids = answer.json()["photos"]
    assert len(ids) == 2
    first = Attachment.objects.get(pk=ids[0])
    assert first.event is not None
    assert first.event.action == "report"
    assert first.content_type == "image/jpeg"
    copy = PhotoCopy.objects.get(attachment=first)
    assert copy.exif["lat"] == 39.9083333
    assert copy.exif["lng"] == 116.4
    assert copy.exif["datetime"] == "2025:09:29 08:00:00"
    with first.file.open("rb") as original:
        assert Image.open(io.BytesIO(original.read())).getexif().get_ifd(0x8825)
    for field in (copy.public_file, copy.thumbnail):
        with field.open("rb") as handle:
            public = Image.open(io.BytesIO(handle.read()))
            assert not public.getexif()
            assert "exif" not in public.info


def test_staff_read_the_exif_facts(world, api):
    ids = send(world, api(world.inspector), ("a.jpg", jpeg())).json()["photos"]
    meta = api(world.operator).get(f"/api/v1/intake/photos/{ids[0]}/meta").json()
    assert meta["exif"]["lng"] == 116.4


def test_heic_from_phones_is_accepted(world, api):
    answer = send(world, api(world.inspector), ("IMG_0001.HEIC", heic()))
    assert answer.status_code == 201, answer.json()
    photo = Attachment.objects.get()
    assert photo.content_type == "image/heic"
    assert PhotoCopy.objects.get().public_file


def test_a_fake_jpeg_is_refused_by_its_content(world, api):
    answer = send(
        world, api(world.inspector), ("evil.jpg", b"\xff\xd8\xff<script>alert(1)</script>")
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "photos"
    text = send(world, api(world.inspector), ("notes.jpg", b"just text"), key="photo-key-2")
    assert text.status_code == 400
    assert not Case.objects.exists()


def test_an_oversized_photo_is_refused(world, api, settings):
    settings.URBANGRID_MAX_PHOTO_BYTES = 1000
    answer = send(world, api(world.inspector), ("big.jpg", jpeg(400, 400)))
    assert answer.status_code == 400
    assert "larger" in answer.json()["message"]


def test_a_decompression_bomb_is_refused_before_decoding(world, api, settings):
    settings.URBANGRID_MAX_PHOTO_PIXELS = 10_000
    answer = send(world, api(world.inspector), ("bomb.png", png(2000, 2000)))
    assert answer.status_code == 400
    assert "pixels" in answer.json()["message"]


def test_a_retry_with_photos_stores_them_once(world, api):
    client = api(world.inspector)
    first = send(world, client, ("a.jpg", jpeg()), key="photo-retry-1")
    again = send(world, client, ("a.jpg", jpeg()), key="photo-retry-1")
    assert first.json() == again.json()
    assert Attachment.objects.count() == 1


def test_the_public_copy_is_served_on_the_tracking_page_without_exif(world, client):
    from django.test import Client

    api_client = Client()
    api_client.force_login(world.operator)
    lng, lat = world.point()
    payload = {
        "channel": "hotline",
        "matter_code": world.matter.code,
        "lng": lng,
        "lat": lat,
        "reporter_phone": "13812341234",
        "idempotency_key": "track-photo-1",
    }
    answer = api_client.post(
        URL, {"payload": json.dumps(payload), "photos": [SimpleUploadedFile("a.jpg", jpeg())]}
    )
    assert answer.status_code == 201, answer.json()
    token = TrackingLink.objects.get().token
    photo_id = answer.json()["photos"][0]
    served = client.get(f"/track/{token}/photos/{photo_id}/")
    assert served.status_code == 200
    image = Image.open(io.BytesIO(served.content))
    assert not image.getexif()
    assert client.get(f"/track/wrong-token/photos/{photo_id}/").status_code == 404
