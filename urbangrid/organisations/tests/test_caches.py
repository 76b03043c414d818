"""Per-process caches of responsibility rules and API tokens.

A transaction that changed a cached model neither reads nor fills the cache (it may roll
back), so the tests that watch the cache at work commit for real (``transaction=True``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from urbangrid.catalog import cache
from urbangrid.organisations.models import ApiToken, ResponsibilityRule, Role
from urbangrid.organisations.services import (
    TOKEN_CACHE_SECONDS,
    authenticate_token,
    issue_token,
    revoke_token,
    suggest_department,
)
from urbangrid.testing import (
    make_city,
    make_department,
    make_type,
    make_user,
    queries,
    sign_in_superuser,
)

committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@committed
def test_an_admin_edit_of_a_rule_changes_the_next_suggestion(client, later):
    city = make_city()
    matter = make_type("06010")
    sanitation = make_department("区环卫中心", district=city.district)
    parks = make_department("区园林绿化局", district=city.district)
    rule = ResponsibilityRule.objects.create(
        catalog_type=matter,
        area_level="district",
        area_code=city.district.code,
        basis="locality",
        department=sanitation,
    )
    grid = city.grids[0].code
    suggestion = suggest_department(matter, grid_code=grid)
    assert suggestion is not None
    assert suggestion.department == sanitation
    assert queries(lambda: suggest_department(matter, grid_code=grid)) == 0

    sign_in_superuser(client)
    response = client.post(
        f"/admin/organisations/responsibilityrule/{rule.pk}/change/",
        {
            "catalog_type": matter.pk,
            "class_code": "",
            "area_level": "district",
            "area_code": city.district.code,
            "basis": "locality",
            "priority": 100,
            "department": parks.pk,
            "note": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    suggestion = suggest_department(matter, grid_code=grid)
    assert suggestion is not None
    assert suggestion.department == parks

    # Another process's edit (or a bulk update) sends this process no signal: it is seen
    # once the cached rules expire.
    ResponsibilityRule.objects.filter(pk=rule.pk).update(is_active=False)
    assert suggest_department(matter, grid_code=grid) is not None
    later(cache.CACHE_SECONDS + 1)
    assert suggest_department(matter, grid_code=grid) is None


@committed
def test_a_token_is_read_once_and_revocation_elsewhere_takes_at_most_the_bound(later):
    user = make_user("api_client", Role.OPERATOR)
    raw = issue_token(user)
    assert authenticate_token(raw) == user
    assert queries(lambda: authenticate_token(raw)) == 0

    # Each request gets its own copy of the user.
    first = authenticate_token(raw)
    assert first is not None
    first.role = Role.ADMIN
    again = authenticate_token(raw)
    assert again is not None
    assert again.role == Role.OPERATOR

    # Revoked by another process: no signal here, so the bound applies.
    ApiToken.objects.filter(user=user).update(revoked_at=dt.datetime.now(dt.UTC))
    assert authenticate_token(raw) == user
    later(TOKEN_CACHE_SECONDS + 0.1)
    assert authenticate_token(raw) is None


@committed
def test_revoking_or_deactivating_in_this_process_takes_effect_at_once():
    user = make_user("api_client", Role.OPERATOR)
    raw = issue_token(user)
    other = issue_token(user)
    assert authenticate_token(raw) == user
    assert authenticate_token(other) == user
    assert revoke_token(raw) is True
    assert authenticate_token(raw) is None
    assert authenticate_token(other) == user
    user.is_active = False
    user.save()
    assert authenticate_token(other) is None


@pytest.mark.django_db
def test_inside_a_transaction_that_changed_a_rule_the_rules_are_read_afresh():
    city = make_city()
    matter = make_type("06010")
    sanitation = make_department("区环卫中心", district=city.district)
    grid = city.grids[0].code
    assert suggest_department(matter, grid_code=grid) is None
    ResponsibilityRule.objects.create(
        catalog_type=matter,
        area_level="grid",
        area_code=grid,
        basis="locality",
        department=sanitation,
    )
    suggestion = suggest_department(matter, grid_code=grid)
    assert suggestion is not None
    assert suggestion.department == sanitation
