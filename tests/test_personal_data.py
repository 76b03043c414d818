"""No public response carries a reporter's personal data.

Cases are created with known reporter data through every channel that takes it (the case
service, the intake API, Open311 POST); then every public page (from the URL resolver),
every unauthenticated API operation (from the OpenAPI) and every Open311 document (JSON
and XML, with and without extensions) is fetched, and each body is scanned for the name,
phone number (also its last digits) and e-mail address.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from .conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, REPORTER_WORDS, Cases
from .test_authorization_matrix import STAFF_PREFIXES, api_operations, route_patterns

PUBLIC_SKIP = ("admin/", "api/", "open311/", "i18n/", "logout/", "password_", "reset/")
PHONE_LIKE = re.compile(r"1[3-9]\d{9}")


def leaked(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    found = [word for word in REPORTER_WORDS if word in text]
    # The surname with the given name split (Open311 first/last name) counts too.
    found += ["phone-like number"] if REPORTER_PHONE in PHONE_LIKE.findall(text) else []
    return found


def public_routes() -> list[str]:
    routes = []
    for route, _ in route_patterns():
        if route.startswith(PUBLIC_SKIP) or route.startswith(STAFF_PREFIXES):
            continue
        routes.append(route)
    return routes


@pytest.mark.django_db
def test_no_public_response_contains_a_reporters_personal_data(cases: Cases):
    world = cases.world
    client = Client()
    staff = Client(headers={"authorization": f"Bearer {_token(world.inspector)}"})
    lng, lat = world.point(1)
    intake = staff.post(
        "/api/v1/intake/reports",
        json.dumps(
            {
                "channel": "hotline",
                "matter_code": world.matter.code,
                "lng": lng,
                "lat": lat,
                "description": "井盖缺失",
                "reporter_name": REPORTER_NAME,
                "reporter_phone": REPORTER_PHONE,
                "reporter_email": REPORTER_EMAIL,
            }
        ),
        content_type="application/json",
    )
    assert intake.status_code in (200, 201), intake.content
    tracking = intake.json().get("tracking_url")
    posted = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": "demo-key",
            "service_code": world.matter.code,
            "lat": str(lat),
            "long": str(lng),
            "description": "路灯不亮",
            "first_name": REPORTER_NAME[2:],
            "last_name": REPORTER_NAME[:2],
            "phone": REPORTER_PHONE,
            "email": REPORTER_EMAIL,
        },
    )
    assert posted.status_code == 200, posted.content
    open311_number = posted.json()[0]["service_request_id"]
    numbers = [cases.mine.number, cases.theirs.number, intake.json()["number"], open311_number]

    urls: list[str] = []
    for route in public_routes():
        if "<" in route:
            if route.startswith("track/") and tracking and "photos" not in route:
                urls.append(tracking)
            continue
        urls.append("/" + route)
    for method, path, operation in api_operations(client):
        if method == "GET" and not operation.get("security"):
            urls.append(path.replace("{code}", world.matter.code))
    for fmt in ("json", "xml"):
        urls += [
            f"/open311/discovery.{fmt}",
            f"/open311/v2/services.{fmt}",
            f"/open311/v2/services/{world.matter.code}.{fmt}",
            f"/open311/v2/requests.{fmt}",
            f"/open311/v2/requests.{fmt}?extensions=true",
            f"/open311/v2/servicerequestupdates.{fmt}",
        ]
        for number in numbers:
            urls += [
                f"/open311/v2/requests/{number}.{fmt}",
                f"/open311/v2/requests/{number}.{fmt}?extensions=true",
            ]
    failures: list[Any] = []
    fetched = 0
    ok = 0
    for url in urls:
        response = client.get(url)
        fetched += 1
        ok += response.status_code == 200
        if response.status_code >= 500:
            failures.append((url, response.status_code))
        elif found := leaked(response.content):
            failures.append((url, response.status_code, found))
    assert fetched > 20
    assert ok > 20, "most public documents must answer, or the scan proves nothing"
    assert failures == []


def _token(user: Any) -> str:
    from urbangrid.organisations.services import issue_token

    return issue_token(user)


@pytest.mark.django_db
def test_roles_without_personal_data_permission_see_it_masked(cases: Cases):
    """Within the staff API, only roles allowed to see personal data see it whole."""
    from urbangrid.organisations.permissions import Permission, has_permission

    from .conftest import token_client
    from .test_authorization_matrix import VISIBILITY

    world = cases.world
    failures = []
    whole = token_client(world.operator).get(f"/api/v1/cases/{cases.mine.number}")
    assert has_permission(world.operator, Permission.VIEW_PERSONAL_DATA)
    assert leaked(whole.content), "the scan must recognise the data where it is allowed"
    for persona, (sees_mine, _) in VISIBILITY.items():
        user = getattr(world, persona)
        if not sees_mine or has_permission(user, Permission.VIEW_PERSONAL_DATA):
            continue
        response = token_client(user).get(f"/api/v1/cases/{cases.mine.number}")
        if found := leaked(response.content):
            failures.append((persona, found))
    assert failures == []
