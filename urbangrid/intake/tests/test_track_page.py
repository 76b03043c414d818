"""/track/<token>/: progress and public replies, and nobody's personal data."""

from __future__ import annotations

from typing import Any

from urbangrid.cases.models import Case
from urbangrid.cases.services import Report
from urbangrid.intake.services import submit_report

from .conftest import EMAIL, NAME, PHONE


def public_case(world: Any, key: str = "track-key-1", **extra: Any) -> tuple[Case, str]:
    lng, lat = world.point()
    answer = submit_report(
        Report(channel="public", matter_code=world.matter.code, lng=lng, lat=lat,
               description="路边有垃圾", reporter_name=NAME, reporter_phone=PHONE,
               reporter_email=EMAIL, **extra),
        actor=None, key=key, scope="public",
    )  # fmt: skip
    return Case.objects.get(number=answer.body["number"]), answer.body["tracking_url"]


def assert_no_personal_data(html: str) -> None:
    for secret in (NAME, PHONE, EMAIL, "1381234", "zhang@"):
        assert secret not in html


def test_the_tracking_page_shows_progress_without_personal_data(world, client):
    case, url = public_case(world)
    world.act(case, "send_verify", world.operator)
    world.act(case, "verify", world.inspector, result=True, note="现场属实，张三在场")
    world.act(case, "accept", world.operator, note="已受理")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html
    assert "已受理" in html
    assert "现场属实" not in html  # verification notes are internal
    assert_no_personal_data(html)


def test_a_wrong_token_is_a_404(world, client):
    public_case(world)
    assert client.get("/track/not-the-token/").status_code == 404


def test_a_merged_report_follows_the_surviving_case(world, client):
    original, _ = public_case(world, key="track-key-2")
    repeat, url = public_case(world, key="track-key-3")
    for case in (original, repeat):
        world.act(case, "send_verify", world.operator)
        world.act(case, "verify", world.inspector, result=True)
        world.act(case, "accept", world.operator)
    world.act(repeat, "merge", world.shift_leader, into=original.number)
    html = client.get(url).content.decode()
    assert original.number in html
    assert_no_personal_data(html)
