"""Every role × every API endpoint and staff page × own/other case: no leak.

Endpoints come from the OpenAPI document and pages from the URL resolver, so new ones are
covered when they appear. Two cases (``conftest.Cases``): ``mine`` in grid 0 with
department A, ``theirs`` in grid 15 with department B. Who may see which follows
``cases_visible_to``; whoever may not gets 404 or 403 everywhere the case's number is in
the path, and never reads the case's description anywhere, lists included. Anonymous
callers get 401 from the API and a redirect to the login page from staff pages.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from PIL import Image

from urbangrid.cases.workflow import ACTIONS

from .conftest import MINE_TEXT, THEIRS_TEXT, Cases, token_client

# persona → (sees mine, sees theirs)
VISIBILITY = {
    "inspector": (True, False),
    "other_inspector": (False, True),
    "handler": (True, False),
    "head": (True, False),
    "other_handler": (False, True),
    "operator": (True, True),
    "shift_leader": (True, True),
    "dispatcher": (True, True),
    "outsider": (False, False),
    "leader": (True, True),
    "auditor": (True, True),
    "admin": (True, True),
}
STAFF_PREFIXES = ("staff/", "intake/", "hotline/")
"""Pages for signed-in staff only (the inspector app's shell signs in by itself)."""


FORM = {
    "kind": "department",
    "payload": '{"action": "verify", "result": true, "matter_code": "06010", '
    '"lng": 116.4005, "lat": 39.9005}',
}
"""Form fields of the multipart endpoints (``payload``: JSON good for each of them)."""


def is_multipart(operation: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {})
    return "multipart/form-data" in content or "application/x-www-form-urlencoded" in content


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(out, format="PNG")
    return out.getvalue()


_SCHEMA: dict[str, Any] = {}


def api_operations(client: Client) -> Iterator[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/api/openapi.json").json()
    _SCHEMA.clear()
    _SCHEMA.update(schema)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def example(schema: dict[str, Any]) -> Any:
    """A plausible value for a JSON schema: required fields only, first enum value."""
    if "$ref" in schema:
        node: Any = _SCHEMA
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return example(node)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return example(schema[key][0])
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example(props[name]) for name in schema.get("required", []) if name in props}
    return {"string": "x", "integer": 1, "number": 1.0, "boolean": True, "array": []}.get(str(kind))


def json_body(operation: dict[str, Any]) -> str:
    import json

    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return "{}"
    return json.dumps(example(content["application/json"]["schema"]))


def fill(path: str, number: str, action: str = "urge") -> str:
    path = path.replace("{number}", number).replace("{action}", action)
    return re.sub(r"\{[^}]+\}", "1", path)


def call(
    client: Client, method: str, url: str, *, multipart: bool = False, body: str = "{}"
) -> Any:
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    if multipart:
        return client.post(url, {**FORM, "file": io.BytesIO(png()), "photos": io.BytesIO(png())})
    return client.generic(method, url, body, content_type="application/json")


def route_patterns() -> Iterator[tuple[str, URLPattern]]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if isinstance(pattern.pattern, RoutePattern):
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern.pattern, RoutePattern):
                yield prefix + str(pattern.pattern), pattern

    yield from walk(get_resolver().url_patterns, "")


def staff_pages() -> list[str]:
    return [route for route, _ in route_patterns() if route.startswith(STAFF_PREFIXES)]


def page_url(route: str, number: str, pk: int) -> str:
    url = route.replace("<str:number>", number).replace("<slug:action>", "urge")
    url = re.sub(r"<int:[^>]+>", str(pk), url)
    return "/" + re.sub(r"<[^>]+>", "x", url)


def leaks(body: bytes, hidden: list[str]) -> list[str]:
    text = body.decode("utf-8", "replace")
    return [word for word in hidden if word in text]


@pytest.mark.django_db
def test_api_refuses_anonymous_callers_on_every_secured_endpoint(cases: Cases):
    client = Client()
    failures = []
    for method, path, operation in api_operations(client):
        if not operation.get("security"):
            continue
        response = call(client, method, fill(path, cases.mine.number))
        if response.status_code != 401:
            failures.append((method, path, response.status_code))
    assert failures == []


@pytest.mark.django_db
def test_no_role_reaches_a_case_it_may_not_see_through_the_api(cases: Cases):
    world = cases.world
    failures: list[tuple[object, ...]] = []
    checked = 0
    operations = list(api_operations(Client()))
    for persona, (sees_mine, sees_theirs) in VISIBILITY.items():
        client = token_client(getattr(world, persona))
        for case, visible, text in (
            (cases.mine, sees_mine, MINE_TEXT),
            (cases.theirs, sees_theirs, THEIRS_TEXT),
        ):
            if visible:
                response = client.get(f"/api/v1/cases/{case.number}")
                if response.status_code != 200:
                    failures.append((persona, "GET own case", response.status_code))
                continue
            for method, path, operation in operations:
                if "{number}" not in path:
                    continue
                actions = list(ACTIONS) if "{action}" in path else ["urge"]
                for action in actions:
                    url = fill(path, case.number, action)
                    response = call(
                        client,
                        method,
                        url,
                        multipart=is_multipart(operation),
                        body=json_body(operation),
                    )
                    checked += 1
                    if response.status_code not in (403, 404) or leaks(response.content, [text]):
                        failures.append((persona, method, url, response.status_code))
    assert checked > 100
    assert failures == []


@pytest.mark.django_db
def test_no_list_or_search_endpoint_shows_a_case_to_someone_who_may_not_see_it(cases: Cases):
    world = cases.world
    failures = []
    paths = [p for m, p, _ in api_operations(Client()) if m == "GET" and "{" not in p]
    for persona, (sees_mine, sees_theirs) in VISIBILITY.items():
        hidden = [t for t, seen in ((MINE_TEXT, sees_mine), (THEIRS_TEXT, sees_theirs)) if not seen]
        if not hidden:
            continue
        client = token_client(getattr(world, persona))
        for path in paths:
            for url in (path, f"{path}?q=案情"):
                response = client.get(url)
                if response.status_code >= 500 or leaks(response.content, hidden):
                    failures.append((persona, url, response.status_code))
    assert failures == []


@pytest.mark.django_db
def test_staff_pages_send_anonymous_visitors_to_sign_in(cases: Cases):
    client = Client()
    failures = []
    for route in staff_pages():
        url = page_url(route, cases.mine.number, 1)
        for response in (client.get(url), client.post(url, {})):
            ok = response.status_code in (401, 403, 405) or (
                response.status_code == 302 and "login" in response.headers.get("Location", "")
            )
            if not ok or leaks(response.content, [MINE_TEXT]):
                failures.append((url, response.status_code))
    assert failures == []


@pytest.mark.django_db
def test_no_staff_page_shows_a_case_to_someone_who_may_not_see_it(cases: Cases, settings):
    world = cases.world
    media = Path(settings.MEDIA_ROOT) / "cases"
    media.mkdir(parents=True, exist_ok=True)
    (media / "test.png").write_bytes(png())
    photo = world.photo(cases.mine, world.handler)  # type: ignore[attr-defined]
    other_photo = world.photo(cases.theirs, world.other_handler)  # type: ignore[attr-defined]
    failures = []
    routes = staff_pages()
    assert any("<str:number>" in r for r in routes)
    for persona, (sees_mine, sees_theirs) in VISIBILITY.items():
        client = Client()
        client.force_login(getattr(world, persona))
        for case, visible, text, pk in (
            (cases.mine, sees_mine, MINE_TEXT, photo.pk),
            (cases.theirs, sees_theirs, THEIRS_TEXT, other_photo.pk),
        ):
            for route in routes:
                url = page_url(route, case.number, pk)
                response = client.get(url)
                if response.status_code >= 500:
                    failures.append((persona, "GET", url, response.status_code))
                    continue
                if visible:
                    continue
                if "<str:number>" in route and response.status_code not in (302, 403, 404, 405):
                    failures.append((persona, "GET", url, response.status_code))
                if leaks(response.content, [text]):
                    failures.append((persona, "GET leaks", url, response.status_code))
                if "<str:number>" in route:
                    posted = client.post(url, {"note": "x", "result": "true"})
                    if posted.status_code not in (302, 403, 404, 405) or leaks(
                        posted.content, [text]
                    ):
                        failures.append((persona, "POST", url, posted.status_code))
    assert failures == []


@pytest.mark.django_db
def test_a_department_cannot_act_on_a_case_of_another_department_it_can_see(cases: Cases):
    """Visible (it once had the case) is not the same as allowed to act: 403."""
    world = cases.world
    world.give_history(cases.mine, world.dept_b)  # type: ignore[attr-defined]
    client = token_client(world.other_handler)
    assert client.get(f"/api/v1/cases/{cases.mine.number}").status_code == 200
    for action in ("receive", "return", "report_handled", "request_extension"):
        response = client.post(
            f"/api/v1/cases/{cases.mine.number}/actions/{action}",
            '{"reason": "x", "photos": []}',
            content_type="application/json",
        )
        assert response.status_code in (403, 409), (action, response.content)
    assert response.json()["code"]
