"""Shared parts of the fuzz tests (quick: ``test_fuzz.py``; slow: ``test_fuzz_full.py``).

The API is fuzzed by schemathesis from its own OpenAPI document, in-process through the
WSGI application, authenticated with a bearer token from ``POST /api/v1/auth/token``.
Checks: no 5xx, status codes and bodies as documented. Open311 (not in the OpenAPI) gets
hypothesis property tests: any query or form gives a 2xx/4xx document of the format
asked for, and JSON bodies validate against the GeoReport v2 JSON Schemas.
"""

from __future__ import annotations

import contextlib
import json
import string
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import jsonschema
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import strategies as st
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from urbangrid.open311.tests.conftest import ERRORS_SCHEMA, POST_RESPONSE_SCHEMA, REQUESTS_SCHEMA

COUNT = {"api": 0, "open311": 0}
UNDOCUMENTED: set[tuple[str, int]] = set()
"""(operation, status) answered but not in the operation's OpenAPI responses: each is a
documentation gap reported to the endpoint's owner (the body is still checked below)."""


@schemathesis.check
def structured_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx is the project's structured error ``{code, message, field}``; a status
    the operation does not document is recorded in ``UNDOCUMENTED``."""
    status = response.status_code
    if status < 400 or status == 405:  # 405: the router's own answer to a wrong method
        return None
    documented = {str(code) for code in case.operation.definition.raw.get("responses", {})}
    if str(status) not in documented and "default" not in documented:
        UNDOCUMENTED.add((f"{case.method} {case.path}", status))
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{status}: not JSON: {response.content[:200]!r}") from None
    assert isinstance(body, dict), body
    assert isinstance(body.get("code"), str), body
    assert isinstance(body.get("message"), str), body
    assert "field" in body, body
    return None


CHECKS = [not_a_server_error, response_schema_conformance, structured_error]
STRICT_STATUS = [*CHECKS, status_code_conformance]


def load_schema() -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@contextlib.contextmanager
def connections_kept() -> Iterator[None]:
    """Keep the test's database connection across WSGI requests.

    The WSGI handler closes connections at the end of each request when they are inside
    a transaction — which the test's rollback transaction is (PostgreSQL). Django's test
    client disconnects that receiver the same way; schemathesis calls the WSGI app."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def token_for(username: str, password: str = "demo") -> str:
    response = Client(REMOTE_ADDR="127.0.0.9").post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def call_and_validate(case: Any, token: str) -> None:
    COUNT["api"] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


# --- Open311 ----------------------------------------------------------------------------

text = st.text(alphabet=string.printable + "中文井盖", max_size=30)
number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-1000, 1000).map(str),
    text,
)
date = st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.just("2025-13-45T99:00:00Z"), text)
QUERY = st.fixed_dictionaries(
    {},
    optional={
        "service_code": st.one_of(st.just("06010"), text),
        "service_request_id": text,
        "status": st.one_of(st.sampled_from(["open", "closed", "open,closed"]), text),
        "start_date": date,
        "end_date": date,
        "updated_after": date,
        "updated_before": date,
        "lat": number,
        "long": number,
        "radius": number,
        "page": number,
        "page_size": number,
        "extensions": st.sampled_from(["true", "false", "1", "x"]),
        "jurisdiction_id": st.one_of(st.just(""), text),
        "agency_responsible": text,
        "search": text,
    },
)
FORM = st.fixed_dictionaries(
    {"api_key": st.one_of(st.just("demo-key"), text)},
    optional={
        "service_code": st.one_of(st.just("06010"), text),
        "lat": st.one_of(st.just("39.9005"), number),
        "long": st.one_of(st.just("116.4005"), number),
        "address_string": text,
        "address_id": text,
        "description": st.text(max_size=300),
        "first_name": text,
        "last_name": text,
        "phone": text,
        "email": text,
        "device_id": text,
        "account_id": text,
        "media_url": text,
        "batch": st.sampled_from(["true", "false"]),
        "jurisdiction_id": text,
        "attribute[WHERE]": text,
    },
)
FORMAT = st.sampled_from(["json", "xml"])


def check_open311(response: Any, fmt: str, kind: str) -> None:
    """A 2xx/4xx document in the format asked for, valid against the spec's schemas."""
    COUNT["open311"] += 1
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 405:
        return
    if fmt == "xml":
        ET.fromstring(response.content)
        return
    body = json.loads(response.content)
    if response.status_code >= 400:
        jsonschema.validate(body, ERRORS_SCHEMA)
    elif kind == "post":
        jsonschema.validate(body, POST_RESPONSE_SCHEMA)
    else:
        jsonschema.validate(body, REQUESTS_SCHEMA)
