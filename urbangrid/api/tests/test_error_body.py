"""The structured error body ``{code, message, field[, display]}``: one function
(``common.errors.error_body``) builds it, for every API exception handler and for the
middleware that answer an API request before a view runs — so each says the same thing
the same way: ``message`` in English, ``display`` in the request's language."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.utils import translation

from urbangrid.common import middleware_db, middleware_input
from urbangrid.common.errors import error_body

NOT_FOUND = "case %(number)s not found"


# --- The one function ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "display"),
    [("zh-hans", "未找到案件 N-1"), ("zh-hant", "找不到案件 N-1"), ("en", "case N-1 not found")],
)
def test_a_catalogue_message_is_english_with_a_display_in_the_active_language(
    language: str, display: str
) -> None:
    with translation.override(language):
        body = error_body("not_found", NOT_FOUND, params={"number": "N-1"}, field="number")
    assert body == {
        "code": "not_found",
        "message": "case N-1 not found",
        "field": "number",
        "display": display,
    }


def test_text_the_catalogues_do_not_know_has_no_display_and_keeps_its_extras() -> None:
    errors = [{"type": "missing", "loc": ["body", "lng"], "msg": "something 100% unknown"}]
    body = error_body("invalid", "something 100% unknown", field="lng", errors=errors)
    assert body == {
        "code": "invalid",
        "message": "something 100% unknown",
        "field": "lng",
        "errors": errors,
    }


def test_a_display_worded_elsewhere_is_kept() -> None:
    body = error_body("throttled", "Try again in 2 minutes.", display="请 2 分钟后再试。")
    assert body == {
        "code": "throttled",
        "message": "Try again in 2 minutes.",
        "field": None,
        "display": "请 2 分钟后再试。",
    }


# --- Every path that answers an API request uses it --------------------------------------


def test_a_service_error_through_the_api(world: Any, api: Any) -> None:
    body = api(world.admin).get("/api/v1/cases/NOPE-1?lang=zh-hant").json()
    with translation.override("zh-hant"):
        assert body == error_body("not_found", NOT_FOUND, params={"number": "NOPE-1"})


def test_a_framework_error_through_the_api(client: Client) -> None:
    body = client.get("/api/v1/auth/me").json()
    assert body == {
        "code": "unauthorised",
        "message": "authentication required",
        "field": None,
        "display": "请先登录",
    }


def test_a_validation_error_keeps_the_validators_errors_and_has_no_display(
    world: Any, api: Any
) -> None:
    body = api(world.admin).get("/api/v1/geo/locate?lat=x&lng=116.4").json()
    assert set(body) == {"code", "message", "field", "errors"}
    assert body["code"] == "invalid"
    assert body["field"] == "lat"
    assert body["errors"][0]["loc"] == ["query", "lat"]


def test_the_nul_refusal_at_the_edge_is_the_same_body_in_the_asked_language(
    client: Client,
) -> None:
    response = client.get("/api/v1/cases?q=a%00b&lang=zh-hant")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    with translation.override("zh-hant"):
        assert response.json() == error_body("invalid", middleware_input.MESSAGE)
    assert response.json()["display"] == "輸入包含無法儲存的 NUL 字元"


def test_a_lost_database_in_an_api_operation_is_the_503_of_the_middleware(
    world: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urbangrid.api import geo

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(geo, "districts_overview", lost)
    client = api(world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/api/v1/geo/districts")
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(middleware_db.RETRY_AFTER_SECONDS)
    assert response.json() == {
        "code": "unavailable",
        "message": "the database is unavailable; retry shortly",
        "field": None,
        "display": "the database is unavailable; retry shortly",
    }


@pytest.mark.parametrize(
    ("cookie", "display"),
    [(None, "数据库暂时不可用，请稍后重试"), ("zh-hant", "資料庫暫時無法使用，請稍後重試")],
)
def test_the_503_speaks_the_requests_language_before_language_middleware_ran(
    db: Any, cookie: str | None, display: str
) -> None:
    request = RequestFactory().get("/api/v1/cases")
    if cookie:
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = middleware_db.unavailable(request, OperationalError("gone"))
    assert response.status_code == 503
    body = json.loads(response.content)
    with translation.override(cookie or settings.LANGUAGE_CODE):
        assert body == error_body("unavailable", "the database is unavailable; retry shortly")
    assert body["display"] == display


def test_a_throttled_sign_in_is_english_in_message_and_chinese_in_display(world: Any) -> None:
    def attempt(password: str) -> Any:
        return Client(REMOTE_ADDR="10.9.8.7").post(
            "/api/v1/auth/token",
            {"username": "operator", "password": password},
            content_type="application/json",
        )

    for _ in range(5):
        assert attempt("wrong").status_code == 401
    refused = attempt("demo")
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"code", "message", "field", "display"}
    assert body["code"] == "throttled"
    assert body["message"].startswith("Too many failed sign-in attempts")
    assert "登录失败次数过多" in body["display"]


# --- The OpenAPI document ------------------------------------------------------------


def test_the_openapi_documents_the_error_body(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    error_out = schema["components"]["schemas"]["ErrorOut"]
    assert set(error_out["properties"]) == {"code", "message", "field", "display"}
    assert set(error_out["required"]) == {"code", "message"}
    answers = schema["paths"]["/api/v1/cases/{number}"]["get"]["responses"]
    for status in ("400", "401", "403", "404", "409"):
        ref = answers[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/ErrorOut"
