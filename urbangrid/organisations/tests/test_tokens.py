"""API tokens: the raw key once, only its hash stored."""

import datetime as dt
import hashlib

import pytest
import time_machine

from urbangrid.organisations.models import ApiToken, Role
from urbangrid.organisations.services import authenticate_token, issue_token, revoke_token
from urbangrid.testing import make_user

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def test_issued_token_authenticates_its_user_and_only_its_hash_is_stored():
    user = make_user("api_client", Role.OPERATOR)
    raw = issue_token(user, name="hotline bridge")
    token = ApiToken.objects.get()
    assert raw not in {token.key_hash, token.prefix, token.name}
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix)
    assert authenticate_token(raw) == user


def test_unknown_or_empty_keys_authenticate_nobody():
    issue_token(make_user("api_client", Role.OPERATOR))
    assert authenticate_token("ug_not-a-key") is None
    assert authenticate_token("") is None


def test_revoked_token_authenticates_nobody():
    raw = issue_token(make_user("api_client", Role.OPERATOR))
    assert revoke_token(raw) is True
    assert revoke_token(raw) is False
    assert authenticate_token(raw) is None


def test_revoking_by_object_records_when():
    raw = issue_token(make_user("api_client", Role.OPERATOR))
    token = ApiToken.objects.get()
    assert revoke_token(token) is True
    assert token.revoked_at is not None
    assert authenticate_token(raw) is None


def test_token_of_an_inactive_user_authenticates_nobody():
    user = make_user("api_client", Role.OPERATOR)
    raw = issue_token(user)
    user.is_active = False
    user.save()
    assert authenticate_token(raw) is None


def test_last_used_is_recorded_at_most_once_a_minute():
    raw = issue_token(make_user("api_client", Role.OPERATOR))
    with time_machine.travel(T0, tick=False) as traveller:
        authenticate_token(raw)
        assert ApiToken.objects.get().last_used_at == T0
        traveller.shift(dt.timedelta(seconds=30))
        authenticate_token(raw)
        assert ApiToken.objects.get().last_used_at == T0
        traveller.shift(dt.timedelta(seconds=31))
        authenticate_token(raw)
        assert ApiToken.objects.get().last_used_at == T0 + dt.timedelta(seconds=61)
