"""Service messages for people in their language: the API's ``display`` (``message`` stays
English), the public form's errors and the tracking page's steps."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext_lazy

from urbangrid.cases.exceptions import CaseNotFound, InvalidInput
from urbangrid.cases.models import Case
from urbangrid.common.errors import LocalisedError

from .test_public_report_page import form
from .test_track_page import public_case

REPORTS = "/api/v1/intake/reports"
OUTSIDE = (
    "the point lies outside every unit grid of the city; check the coordinates "
    "(and crs=gcj02 for Chinese web maps)"
)


def outside_report(world: Any) -> dict[str, Any]:
    return {"matter_code": world.matter.code, "lng": 10.0, "lat": 10.0, "description": "垃圾"}


# --- The exception API -----------------------------------------------------------------


def test_an_error_keeps_english_and_renders_the_active_language() -> None:
    error = InvalidInput("case %(number)s not found", params={"number": "NOPE-1"}, field="into")
    assert error.message == str(error) == "case NOPE-1 not found"
    assert error.msgid == "case %(number)s not found"
    with translation.override("zh-hans"):
        assert error.translated() == "未找到案件 NOPE-1"
        assert error.display == "未找到案件 NOPE-1"
    with translation.override("zh-hant"):
        assert error.translated() == "找不到案件 NOPE-1"
    with translation.override("en"):
        assert error.display == "case NOPE-1 not found"


def test_a_lazy_parameter_is_english_in_the_message_whatever_the_language() -> None:
    with translation.override("zh-hans"):
        error = LocalisedError("case %(number)s is %(status)s", params={
            "number": "N-1", "status": gettext_lazy("closed (已结案)")})  # fmt: skip
        assert error.message == "case N-1 is closed (已结案)"
        assert error.translated() == "案件 N-1 当前状态为“已结案”"


def test_text_the_catalogues_do_not_know_has_no_display() -> None:
    error = CaseNotFound("something 100% unknown")
    assert error.message == "something 100% unknown"
    assert error.display is None
    with translation.override("zh-hans"):
        assert error.translated() == "something 100% unknown"


# --- The API ---------------------------------------------------------------------------


def test_an_api_error_has_an_english_message_and_a_chinese_display_by_default(world, api):
    answer = api(world.inspector).post(
        REPORTS, outside_report(world), content_type="application/json"
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert body["field"] == "lng"
    assert body["message"] == OUTSIDE
    assert body["display"].startswith("该位置不在本市任何单元网格内")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", OUTSIDE), ("zh-hant", "該位置不在本市任何單元網格內"), ("zh-tw", "該位置")],
)
def test_the_display_follows_the_lang_parameter(world, api, lang, expected):
    answer = api(world.inspector).post(
        f"{REPORTS}?lang={lang}", outside_report(world), content_type="application/json"
    )
    body = answer.json()
    assert body["message"] == OUTSIDE
    assert body["display"].startswith(expected)


def test_the_display_follows_the_language_cookie(world, api):
    client = api(world.inspector)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/api/v1/cases/NOPE-123").json()
    assert body == {
        "code": "not_found",
        "message": "case NOPE-123 not found",
        "field": None,
        "display": "case NOPE-123 not found",
    }
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    assert client.get("/api/v1/cases/NOPE-123").json()["display"] == "找不到案件 NOPE-123"


def test_a_refused_photo_is_explained_in_chinese(world, api):
    import json

    answer = api(world.inspector).post(
        f"{REPORTS}/with-photos",
        {
            "payload": json.dumps({**outside_report(world), "lng": world.point()[0],
                                   "lat": world.point()[1]}),
            "photos": [SimpleUploadedFile("note.jpg", b"just some text", "image/jpeg")],
        },
    )  # fmt: skip
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid_photo"
    assert body["message"] == "a file is not a photo (JPEG, PNG or HEIC)"
    assert body["display"] == "有文件不是照片（仅支持 JPEG、PNG 或 HEIC）"


def test_framework_errors_get_a_display_and_library_text_does_not(world, api, client):
    unauthorised = client.post(REPORTS, {}, content_type="application/json").json()
    assert unauthorised["message"] == "authentication required"
    assert unauthorised["display"] == "请先登录"
    invalid = api(world.inspector).post(REPORTS, {"lng": 1}, content_type="application/json")
    assert invalid.status_code == 400
    assert "display" not in invalid.json()  # pydantic's own English: nothing to translate


def test_a_nul_character_is_refused_with_a_display_in_the_asked_language(client):
    body = client.get("/api/v1/cases?q=a%00b&lang=zh-hant").json()
    assert body["message"] == "the input contains a NUL character, which cannot be stored"
    assert body["display"] == "輸入包含無法儲存的 NUL 字元"


def test_the_openapi_documents_display(client):
    schema = client.get("/api/openapi.json").json()
    error_out = schema["components"]["schemas"]["ErrorOut"]
    assert "display" in error_out["properties"]
    assert "language" in error_out["properties"]["display"]["description"]
    assert "display" not in error_out.get("required", [])


# --- Pages -----------------------------------------------------------------------------


def test_the_public_form_shows_the_outside_grid_message_in_chinese(world, client):
    answer = client.post("/report/", form(world, lng=10.0, lat=10.0))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "该位置不在本市任何单元网格内" in html
    assert "outside every unit grid" not in html
    assert not Case.objects.exists()


def test_the_public_form_speaks_traditional_chinese_when_asked(world, client):
    answer = client.post("/report/?lang=zh-hant", form(world, lng=10.0, lat=10.0))
    assert "該位置不在本市任何單元網格內" in answer.content.decode()


def test_the_public_form_explains_a_text_file_given_as_a_photo_in_chinese(world, client):
    photo = SimpleUploadedFile("p.jpg", b"not an image at all", "image/jpeg")
    answer = client.post("/report/", {**form(world), "photos": [photo]})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "有文件不是照片" in html
    assert "is not a photo" not in html


def test_the_tracking_page_shows_chinese_steps_by_default(world, client):
    case, url = public_case(world)
    world.act(case, "send_verify", world.operator)
    world.act(case, "verify", world.inspector, result=True)
    world.act(case, "accept", world.operator)
    html = client.get(url).content.decode()
    assert "已上报" in html
    assert "已受理" in html
    assert "Reported" not in html
    assert "Accepted" not in html


def test_the_tracking_page_in_traditional_and_in_english(world, client):
    _case, url = public_case(world)
    assert "已上報" in client.get(f"{url}?lang=zh-hant").content.decode()
    assert "Reported" in client.get(f"{url}?lang=en").content.decode()
