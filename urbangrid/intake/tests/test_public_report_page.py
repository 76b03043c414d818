"""/report/: the public form, its receipt, the rate limit and the honeypot."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from urbangrid.cases.models import Case

from .conftest import EMAIL, NAME, PHONE, jpeg


def form(world: Any, **extra: Any) -> dict[str, Any]:
    lng, lat = world.point()
    return {"matter_code": world.matter.code, "lng": lng, "lat": lat, "address": "测试路8号",
            "description": "路边有垃圾", "name": NAME, "phone": PHONE, "email": EMAIL,
            "website": "", "idempotency_key": "public-form-key-1", **extra}  # fmt: skip


def test_the_form_renders_with_plain_names_and_a_fresh_key(world, client):
    page = client.get("/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="website"' in html
    assert 'name="idempotency_key"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "//unpkg" not in html
    assert "cdn" not in html.lower()
    # Plain-language names (catalog.plain_names) in groups, in the reader's language.
    assert '<optgroup label="垃圾与环境卫生">' in html
    assert f'<option value="{world.matter.code}">暴露垃圾、垃圾乱扔</option>' in html
    english = client.get("/report/?lang=en").content.decode()
    assert f'<option value="{world.matter.code}">Garbage left in the open</option>' in english
    assert '<optgroup label="Other problems (standard names)">' in english


def test_a_citizen_reports_and_gets_a_receipt_with_a_private_link(world, client):
    answer = client.post(
        "/report/", {**form(world), "photos": [SimpleUploadedFile("p.jpg", jpeg())]}
    )
    assert answer.status_code == 201, answer.content.decode()[:2000]
    case = Case.objects.get()
    assert case.channel == "public"
    assert case.reporter_phone == PHONE
    html = answer.content.decode()
    assert case.number in html
    assert f"/track/{case.tracking.token}/" in html
    assert len(case.tracking.token) >= 32
    assert case.attachments.get().kind == "reporter"


def test_submitting_the_same_form_twice_makes_one_case(world, client):
    client.post("/report/", form(world))
    again = client.post("/report/", form(world))
    assert again.status_code == 200
    assert Case.objects.count() == 1


def test_the_honeypot_swallows_bots(world, client):
    answer = client.post("/report/", form(world, website="http://spam.example"))
    assert answer.status_code == 200
    assert not Case.objects.exists()


def test_reports_are_rate_limited_per_client(world, client, settings):
    settings.URBANGRID_PUBLIC_REPORT_LIMIT = 2
    codes = [
        client.post("/report/", form(world, idempotency_key=f"rate-limit-key-{i}")).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    assert Case.objects.count() == 2
    other = client.post(
        "/report/", form(world, idempotency_key="rate-limit-key-x"), REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 201


def test_a_point_outside_the_city_is_shown_as_an_error(world, client):
    answer = client.post("/report/", form(world, lng=10.0, lat=10.0))
    assert answer.status_code == 400
    assert not Case.objects.exists()
