"""POST /api/v1/auth/token, and authentication on the case endpoints."""

from __future__ import annotations

from django.test import Client


def test_good_credentials_get_a_token_that_opens_the_case_endpoints(world):
    client = Client()
    answer = client.post(
        "/api/v1/auth/token",
        {"username": "operator", "password": "demo"},
        content_type="application/json",
    )
    assert answer.status_code == 200
    token = answer.json()["token"]
    listing = client.get("/api/v1/cases", headers={"authorization": f"Bearer {token}"})
    assert listing.status_code == 200


def test_bad_credentials_are_a_401(world):
    answer = Client().post(
        "/api/v1/auth/token",
        {"username": "operator", "password": "wrong"},
        content_type="application/json",
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorised"


def test_case_endpoints_without_credentials_are_a_401(world):
    client = Client()
    assert client.get("/api/v1/cases").status_code == 401
    answer = client.post("/api/v1/cases", {}, content_type="application/json")
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorised"
    bad = client.get("/api/v1/cases", headers={"authorization": "Bearer nonsense"})
    assert bad.status_code == 401


def test_a_session_works_and_needs_the_csrf_token_for_unsafe_methods(world):
    client = Client(enforce_csrf_checks=True)
    login = client.post(
        "/api/v1/auth/session",
        {"username": "operator", "password": "demo"},
        content_type="application/json",
    )
    assert login.status_code == 200
    assert client.get("/api/v1/cases").status_code == 200
    case = world.report()
    url = f"/api/v1/cases/{case.number}/actions/send_verify"
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 403
    client.get("/api/v1/auth/me")
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    if token is None:
        from django.middleware.csrf import _get_new_csrf_string

        token = _get_new_csrf_string()
        client.cookies["csrftoken"] = token
    accepted = client.post(url, {}, content_type="application/json", headers={"x-csrftoken": token})
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "verifying"
