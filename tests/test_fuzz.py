"""Fuzzing, quick: schemathesis over the whole OpenAPI (~3 requests per operation, some
200 in all) and a few hundred Open311 requests. ``test_fuzz_full.py`` runs 5,000+."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings

from .fuzzing import (
    FORM,
    FORMAT,
    QUERY,
    call_and_validate,
    check_open311,
    connections_kept,
    load_schema,
    token_for,
)

schema = load_schema()
FAST = settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
    phases=[Phase.generate],  # no explicit/coverage examples: those are the slow suite's
)


@pytest.fixture
def token(world: Any) -> Iterator[str]:
    token = token_for("admin")  # before: the test client reconnects the receiver
    with connections_kept():
        yield token


@pytest.mark.django_db
@schema.parametrize()
@FAST
def test_api_answers_every_generated_request_as_documented(case, token):
    call_and_validate(case, token)


@pytest.mark.django_db
@given(query=QUERY, fmt=FORMAT)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_open311_get_requests_never_fails(world, query, fmt):
    check_open311(Client().get(f"/open311/v2/requests.{fmt}", query), fmt, "get")


@pytest.mark.django_db
@given(form=FORM, fmt=FORMAT)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_open311_post_requests_never_fails(world, form, fmt):
    check_open311(Client().post(f"/open311/v2/requests.{fmt}", form), fmt, "post")
