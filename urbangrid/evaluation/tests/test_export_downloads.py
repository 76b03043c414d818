"""An export requested over the API is downloaded with the same bearer token
(``api_download``); the rule is the staff page's: the requester or an auditor."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from urbangrid.evaluation import exports
from urbangrid.evaluation.models import Export
from urbangrid.organisations.models import Role
from urbangrid.organisations.services import issue_token
from urbangrid.testing import make_user


def bearer(user: Any) -> Client:
    return Client(headers={"authorization": f"Bearer {issue_token(user)}"})


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def test_api_clients_download_with_their_token(scenario: Any, media: None) -> None:
    w, _groups = scenario
    c = bearer(w.sl)
    answer = c.post(
        "/api/v1/evaluation/exports",
        {"format": "indicators_csv", "kind": "department", "on": "2025-11"},
        content_type="application/json",
    )
    assert answer.status_code == 202
    export_id = answer.json()["id"]
    url = f"/api/v1/evaluation/exports/{export_id}/download"
    assert answer.json()["api_download"] is None
    not_ready = c.get(url)
    assert (not_ready.status_code, not_ready.json()["code"]) == (404, "not_found")

    exports.build_export(Export.objects.get(pk=export_id))
    status = c.get(f"/api/v1/evaluation/exports/{export_id}").json()
    assert status["status"] == "done"
    assert status["download"] == f"/staff/evaluation/exports/{export_id}/download"
    assert status["api_download"] == url

    download = c.get(url)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert "区环卫中心" in download.getvalue().decode("utf-8-sig")

    other = make_user("other_leader", Role.SHIFT_LEADER, area_code="110101")
    assert bearer(other).get(url).status_code == 404
    assert Client().get(url).status_code == 401
    auditor = make_user("auditor1", Role.AUDITOR, area_code="110101")
    assert bearer(auditor).get(url).status_code == 200
    assert bearer(auditor).get(f"/api/v1/evaluation/exports/{export_id}").status_code == 200

    staff = Client()
    staff.force_login(auditor)
    assert staff.get(status["download"]).status_code == 200
    staff.force_login(other)
    assert staff.get(status["download"]).status_code == 404


def test_the_download_is_documented_in_openapi() -> None:
    from urbangrid.api.main import api as ninja_api

    paths = ninja_api.get_openapi_schema()["paths"]
    operation = paths["/api/v1/evaluation/exports/{export_id}/download"]["get"]
    content = operation["responses"]["200"]["content"]
    assert "application/pdf" in content
    assert "text/csv" in content
    assert {"401", "403", "404"} <= set(map(str, operation["responses"]))
