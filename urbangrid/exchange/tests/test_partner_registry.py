"""The partner registry in the admin, and the send state kept apart from cases."""

from __future__ import annotations

import pytest
from django.test import Client

from urbangrid.exchange.models import ExchangeMessage, Partner, PartnerRole
from urbangrid.exchange.services import ExchangeError, report_statistics

from .conftest import make_partner


@pytest.fixture
def admin_client_(db: None) -> Client:
    from urbangrid.organisations.models import User

    user = User.objects.create_superuser("root", "root@example.com", "pw-0123456789")
    client = Client()
    client.force_login(user)
    return client


def test_partners_are_listed_and_added_in_the_admin(admin_client_: Client) -> None:
    make_partner("邻市平台")
    listing = admin_client_.get("/admin/exchange/partner/")
    assert listing.status_code == 200
    assert "邻市平台" in listing.content.decode()
    response = admin_client_.post(
        "/admin/exchange/partner/add/",
        {
            "name": "省平台",
            "base_url": "https://province.example/",
            "key_id": "prov-1",
            "secret": "0123456789abcdef",
            "role": PartnerRole.PARENT,
            "area_code": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Partner.objects.get(key_id="prov-1").role == PartnerRole.PARENT


def test_messages_are_visible_in_the_admin(admin_client_: Client) -> None:
    parent = make_partner("市平台", role=PartnerRole.PARENT)
    report_statistics(partner=parent)
    assert admin_client_.get("/admin/exchange/exchangemessage/").status_code == 200
    message = ExchangeMessage.objects.get()
    assert (
        admin_client_.get(f"/admin/exchange/exchangemessage/{message.pk}/change/").status_code
        == 200
    )


def test_key_ids_are_unique(db: None) -> None:
    from django.db import IntegrityError, transaction

    make_partner(key_id="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_partner("另一个", key_id="same")


def test_an_inactive_partner_gets_nothing(db: None) -> None:
    parent = make_partner("市平台", role=PartnerRole.PARENT)
    parent.is_active = False
    parent.save()
    with pytest.raises(ExchangeError):
        report_statistics(partner=parent)
