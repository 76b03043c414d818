"""Malformed input at the API's edge, across every operation of the OpenAPI document: a
body that is not JSON, a form sent where JSON is read, absurd numbers and text in the
query and the path, too much input. Each is a structured 4xx — never a 500, never
Django's HTML error page — and an unexpected fault is a structured 500."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from urbangrid.api.main import api as ninja_api

BIG = "9" * 40
ABSURD = {
    "huge": BIG,
    "huge negative": "-" + BIG,
    "out of float range": "1e999",
    "not a number": "nan",
    "not UTF-8": "%ff%fe%C0%AF",
    "overlong": "x" * 10_000,
}
"""Values put in every query and path parameter of every operation."""


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    schema = ninja_api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


OPERATIONS = list(_operations())
JSON_BODY = [
    f"{method} {path}"
    for method, path, operation in OPERATIONS
    if "application/json" in operation.get("requestBody", {}).get("content", {}) and method != "GET"
]


def _url(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _query(operation: dict[str, Any], value: str) -> str:
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    return "&".join(f"{name}={value}" for name in names)


def assert_structured(response: Any, status: int | None = None) -> dict[str, Any]:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if status is not None:
        assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body: dict[str, Any] = json.loads(response.content)
    assert isinstance(body.get("code"), str), body
    assert isinstance(body.get("message"), str), body
    assert "field" in body, body
    return body


@pytest.fixture
def admin(world: Any, api: Any) -> Client:
    client: Client = api(world.admin)
    return client


# --- Bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", JSON_BODY)
@pytest.mark.parametrize(
    "body",
    [b"{", b'{"a": 1', b"\xff\xfe\xfa", b"[" * 100_000 + b"]" * 100_000],
    ids=["unclosed", "truncated", "not UTF-8", "nested 100000 deep"],
)
def test_a_body_that_is_not_json_is_a_structured_400(
    admin: Client, operation: str, body: bytes
) -> None:
    method, path = operation.split(" ", 1)
    response = admin.generic(method, _url(path, "X"), body, content_type="application/json")
    assert assert_structured(response, 400)["code"] == "invalid"


@pytest.mark.parametrize("operation", JSON_BODY)
def test_a_form_sent_to_an_operation_that_reads_json_is_a_structured_400(
    admin: Client, operation: str
) -> None:
    """The edge reads a multipart form to look for NUL; the operation then cannot read
    the body as JSON — once a 500 (``RawPostDataException``)."""
    method, path = operation.split(" ", 1)
    response = admin.generic(
        method,
        _url(path, "X"),
        b'--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--zz--\r\n',
        content_type="multipart/form-data; boundary=zz",
    )
    body = assert_structured(response, 400)
    assert body["code"] == "invalid"
    assert body["message"] == "this operation reads a JSON body (application/json)"


def test_a_broken_multipart_body_is_a_structured_400(admin: Client) -> None:
    response = admin.generic(
        "POST",
        "/api/v1/intake/reports/with-photos",
        b"--zz\r\nnot a part at all",
        content_type="multipart/form-data; boundary=zz",
    )
    assert_structured(response)
    assert response.status_code in (400, 403)


# --- Query strings and paths ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ABSURD)
def test_absurd_query_and_path_values_are_answered_without_a_server_error(
    admin: Client, kind: str
) -> None:
    value = ABSURD[kind]
    failures = []
    for method, path, operation in OPERATIONS:
        if method != "GET":
            continue
        url = f"{_url(path, value)}?{_query(operation, value)}"
        response = admin.get(url)
        if response.status_code >= 400:
            try:
                assert_structured(response)
            except AssertionError as exc:
                failures.append((f"{method} {path}", exc.args))
    assert not failures, failures


def test_a_query_string_with_too_many_fields_is_a_structured_400(admin: Client) -> None:
    admin.cookies["django_language"] = "en"
    many = "&".join(f"f{i}=1" for i in range(1_500))
    body = assert_structured(admin.get(f"/api/v1/cases?{many}"), 400)
    assert body["code"] == "invalid"
    assert body["message"] == "the request has too many fields or files"


def test_a_form_with_too_many_fields_is_a_structured_400(admin: Client) -> None:
    many = "&".join(f"f{i}=1" for i in range(1_500))
    response = admin.post(
        "/api/v1/intake/reports/with-photos",
        many,
        content_type="application/x-www-form-urlencoded",
    )
    body = assert_structured(response, 400)
    assert body["message"] == "the request has too many fields or files"


# --- Too much ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "application/x-www-form-urlencoded"],
)
def test_a_body_over_the_size_limit_is_a_structured_413(
    admin: Client, settings: Any, content_type: str
) -> None:
    """JSON and forms are read by the edge (``middleware_input``), other types by the
    operation: both answer the same."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    big = json.dumps({"description": "x" * 2_000})
    response = admin.post("/api/v1/intake/reports", big, content_type=content_type)
    body = assert_structured(response, 413)
    assert body["code"] == "too_large"
    assert body["message"] == "the request body is too large"


def test_a_multipart_field_over_the_size_limit_is_a_structured_413(
    admin: Client, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = admin.post("/api/v1/intake/reports/with-photos", {"payload": "x" * 2_000})
    assert assert_structured(response, 413)["code"] == "too_large"


# --- Faults ------------------------------------------------------------------------------


def _break_districts(monkeypatch: pytest.MonkeyPatch) -> None:
    from urbangrid.api import geo

    def broken() -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(geo, "districts_overview", broken)


def test_an_unexpected_fault_is_a_structured_500_and_is_logged(
    world: Any, api: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _break_districts(monkeypatch)
    client = api(world.admin)
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/geo/districts")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {
        "code": "error",
        "message": "an unexpected error occurred; it has been logged",
        "field": None,
        "display": "发生意外错误，已记录",  # the request's language, the default here
    }
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


def test_an_unexpected_fault_still_reaches_the_test_client(
    world: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 500 sends Django's ``got_request_exception``: error reporting sees it, and
    tests that meet a bug fail with its traceback."""
    _break_districts(monkeypatch)
    with pytest.raises(RuntimeError, match="a bug"):
        api(world.admin).get("/api/v1/geo/districts")


# --- Paths -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/cases/", "/api/v1/cases/A/B/C"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_unknown_endpoint_is_a_structured_404(client: Client, method: str, path: str) -> None:
    body = assert_structured(client.generic(method, path), 404)
    assert body["code"] == "not_found"
    assert body["message"] == f"no such API endpoint: {path}"


def test_the_unknown_endpoint_route_is_not_in_the_openapi(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert not [path for path in paths if "rest" in path]


@pytest.mark.parametrize(
    ("method", "path"), [("delete", "/api/v1/cases"), ("put", "/api/v1/geo/districts")]
)
def test_a_method_an_endpoint_does_not_take_is_a_structured_405(
    admin: Client, method: str, path: str
) -> None:
    response = getattr(admin, method)(path)
    assert response.status_code == 405
    body = assert_structured(response)
    assert body["code"] == "method_not_allowed"
    assert body["message"] == f"{method.upper()} is not allowed here"
