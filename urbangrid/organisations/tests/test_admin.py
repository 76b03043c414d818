"""Admin: departments, users, rules and tokens (the key shown once)."""

import re

import pytest

from urbangrid.organisations.models import ApiToken, Role
from urbangrid.organisations.services import authenticate_token
from urbangrid.testing import make_department, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/organisations/department/?q=区",
        "/admin/organisations/department/add/",
        "/admin/organisations/user/",
        "/admin/organisations/user/add/",
        "/admin/organisations/responsibilityrule/add/",
        "/admin/organisations/apitoken/",
        "/admin/organisations/apitoken/add/",
        "/admin/catalog/catalogtype/?standard=CJ/T+214-2007",
        "/admin/catalog/stagelimit/",
    ],
)
def test_admin_pages_open(admin_client, url):
    make_department("区城管委")
    assert admin_client.get(url).status_code == 200


def test_user_change_page_has_role_department_and_grids(admin_client):
    user = make_user("inspector1", Role.INSPECTOR, grids=["110101001001001"])
    page = admin_client.get(f"/admin/organisations/user/{user.pk}/change/").content.decode()
    assert 'name="role"' in page
    assert 'name="department"' in page
    assert "110101001001001" in page


def test_creating_a_token_in_admin_shows_the_key_once(admin_client):
    owner = make_user("bridge", Role.OPERATOR)
    response = admin_client.post(
        "/admin/organisations/apitoken/add/", {"user": owner.pk, "name": "bridge"}, follow=True
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    # The message is translated; the token is the one run of URL-safe characters in it.
    raw = max(re.findall(r"[A-Za-z0-9_-]{20,}", messages[0]), key=len)
    assert authenticate_token(raw) == owner
    token = ApiToken.objects.get()
    change_page = admin_client.get(
        f"/admin/organisations/apitoken/{token.pk}/change/"
    ).content.decode()
    assert raw not in change_page
    assert token.key_hash not in change_page


def test_revoking_tokens_in_admin(admin_client):
    from urbangrid.organisations.services import issue_token

    raw = issue_token(make_user("bridge", Role.OPERATOR))
    token = ApiToken.objects.get()
    admin_client.post(
        "/admin/organisations/apitoken/",
        {"action": "revoke_selected", "_selected_action": [token.pk]},
    )
    assert authenticate_token(raw) is None
