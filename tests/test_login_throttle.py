"""Login throttling: 5 failures per username and address within 15 minutes, then every
attempt is refused with a clear message — on the token API, the staff login page and the
admin login — and the count is in the database, so every process shares it."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from django.test import Client

from urbangrid.organisations.models import LoginFailure

TOKEN = "/api/v1/auth/token"


def token_attempt(password: str, *, ip: str = "10.0.0.1", username: str = "operator"):
    return Client(REMOTE_ADDR=ip).post(
        TOKEN, json.dumps({"username": username, "password": password}), "application/json"
    )


def test_token_api_refuses_the_right_password_after_five_failures(world):
    for _ in range(5):
        assert token_attempt("wrong").status_code == 401
    refused = token_attempt("demo")
    assert refused.status_code == 429, refused.content
    assert int(refused["Retry-After"]) > 0
    body = refused.json()
    assert body["code"] == "throttled"
    assert "Too many failed sign-in attempts" in body["message"] or "次" in body["message"]
    assert LoginFailure.objects.filter(username="operator").count() == 5


def test_four_failures_still_let_the_right_password_in_and_reset_the_count(world):
    for _ in range(4):
        assert token_attempt("wrong").status_code == 401
    assert token_attempt("demo").status_code == 200
    assert not LoginFailure.objects.filter(username="operator").exists()


def test_another_address_or_username_is_not_blocked(world):
    for _ in range(5):
        token_attempt("wrong")
    assert token_attempt("demo", ip="10.0.0.2").status_code == 200
    assert token_attempt("demo", username="dispatcher").status_code == 200


def test_username_case_does_not_escape_the_count(world):
    for name in ("operator", "OPERATOR", "Operator ", "oPeRaToR", "operator"):
        token_attempt("wrong", username=name)
    assert token_attempt("demo").status_code != 200


def test_the_block_lifts_after_the_window(world):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            token_attempt("wrong")
        assert token_attempt("demo").status_code != 200
        traveller.shift(dt.timedelta(minutes=14))
        assert token_attempt("demo").status_code != 200
        traveller.shift(dt.timedelta(minutes=2))
        assert token_attempt("demo").status_code == 200


def test_staff_login_page_shows_the_throttle_message(world):
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        response = client.post("/login/", {"username": "operator", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    response = client.post("/login/", {"username": "operator", "password": "demo"})
    assert response.status_code == 200, "the right password must not sign in while blocked"
    assert "_auth_user_id" not in client.session
    assert response.context["form"].has_error("__all__", "login_throttled")


def test_admin_login_is_throttled_too(world):
    client = Client(REMOTE_ADDR="10.0.0.10")
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].has_error("__all__", "login_throttled")


def test_failures_on_one_path_count_on_the_others(world):
    """One shared count: API failures block the login page (and the reverse)."""
    for _ in range(3):
        token_attempt("wrong", ip="10.0.0.11")
    client = Client(REMOTE_ADDR="10.0.0.11")
    for _ in range(2):
        client.post("/login/", {"username": "operator", "password": "wrong"})
    assert token_attempt("demo", ip="10.0.0.11").status_code != 200
