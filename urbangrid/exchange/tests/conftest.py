"""Partners and signed requests for the exchange tests.

The case tests' ``world`` (district 110101, matter 06010, personas) is reused; time is
frozen there, and both sides of a signed request read the same clock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from urbangrid.cases.tests.conftest import World, api, build_world, frozen, world
from urbangrid.common import clock
from urbangrid.exchange import signing
from urbangrid.exchange.models import Partner, PartnerRole
from urbangrid.exchange.services import MESSAGES_PATH, WIRE_VERSION

__all__ = ["World", "api", "build_world", "frozen", "world"]


def make_partner(
    name: str = "邻市平台",
    *,
    role: str = PartnerRole.PEER,
    key_id: str = "peer-1",
    secret: str = "s3cret-shared-key",
    base_url: str = "http://127.0.0.1:9/",
    area_code: str = "",
) -> Partner:
    return Partner.objects.create(
        name=name,
        base_url=base_url,
        key_id=key_id,
        secret=secret,
        role=role,
        area_code=area_code,
    )


def envelope(kind: str, payload: dict[str, Any], message_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "version": WIRE_VERSION,
            "id": message_id or str(uuid.uuid4()),
            "kind": kind,
            "sent_at": clock.now().isoformat(),
            "payload": payload,
        }
    ).encode()


Post = Callable[..., Any]


@pytest.fixture
def post_signed() -> Post:
    """``post_signed(partner, body, **overrides)`` → the test client's response."""

    def post(
        partner: Partner,
        body: bytes,
        *,
        secret: str | None = None,
        nonce: str | None = None,
        now: float | None = None,
        path: str = MESSAGES_PATH,
        sent_body: bytes | None = None,
    ) -> Any:
        headers = signing.sign(
            key_id=partner.key_id,
            secret=secret or partner.secret,
            method="POST",
            path=path,
            body=body,
            now=clock.now().timestamp() if now is None else now,
            nonce=nonce,
        )
        return Client().post(
            MESSAGES_PATH,
            data=sent_body if sent_body is not None else body,
            content_type="application/json",
            headers=headers,
        )

    return post


def handover_payload(world: World, number: str = "320102-20250929-0007") -> dict[str, Any]:
    lng, lat = world.point(1)
    return {
        "number": number,
        "status": "to_dispatch",
        "matter_code": world.matter.code,
        "description": "跨市交界处暴露垃圾",
        "address": "交界路9号",
        "lng": lng,
        "lat": lat,
        "reason": "位于本市辖区",
    }
