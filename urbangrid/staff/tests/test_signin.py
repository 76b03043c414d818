import pytest

from urbangrid.organisations.models import Role
from urbangrid.testing import make_user

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_chinese_and_labelled(client):
    page = client.get("/login/").content.decode()
    assert "登录" in page
    assert '<label for="id_username">' in page
    assert 'lang="zh-hans"' in page


def test_signed_in_user_lands_on_the_workbench_with_their_role(client):
    make_user("dispatcher", Role.DISPATCHER)
    response = client.post("/login/", {"username": "dispatcher", "password": "demo"}, follow=True)
    assert response.redirect_chain[-1][0] == "/staff/"
    assert "派遣员" in response.content.decode()


def test_wrong_password_shows_a_form_error_not_a_crash(client):
    make_user("operator", Role.OPERATOR)
    response = client.post("/login/", {"username": "operator", "password": "nope"})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


def test_workbench_requires_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
