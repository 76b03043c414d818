"""The input edge (``common.middleware_input``) outside the JSON API: Open311 gets its
spec's error document for input Django cannot take, pages keep Django's own 400, and the
language of a refusal survives a query string too long to read."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from urbangrid.common.middleware import language_of
from urbangrid.open311.tests.conftest import ERRORS_SCHEMA

MANY = "&".join(f"f{i}=1" for i in range(1_500))


@pytest.mark.django_db
def test_open311_json_answers_too_many_fields_with_the_specs_error_document(
    client: Client,
) -> None:
    response = client.get(f"/open311/v2/requests.json?{MANY}")
    assert response.status_code == 400
    body = json.loads(response.content)
    jsonschema.validate(body, ERRORS_SCHEMA)
    assert body == [{"code": 400, "description": "the request has too many fields or files"}]


@pytest.mark.django_db
def test_open311_xml_answers_a_body_over_the_size_limit_with_the_specs_error_document(
    client: Client, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client.post("/open311/v2/requests.xml", {"description": "x" * 2_000})
    assert response.status_code == 413
    root = ET.fromstring(response.content)
    assert root.findtext("error/code") == "413"
    assert root.findtext("error/description") == "the request body is too large"


@pytest.mark.django_db
def test_a_page_keeps_djangos_own_400_for_too_many_fields(client: Client) -> None:
    response = client.get(f"/report/?{MANY}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_nul_on_a_page_is_a_plain_400(client: Client) -> None:
    response = client.get("/report/?q=a%00b")
    assert response.status_code == 400
    assert response.content.decode().startswith("the input contains a NUL character")


def test_the_language_of_a_query_too_long_to_read_comes_from_the_cookie() -> None:
    request = RequestFactory().get(f"/api/v1/cases?lang=en&{MANY}")
    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    assert language_of(request) == "zh-hant"
