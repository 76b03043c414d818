import pytest


@pytest.mark.django_db
def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_openapi_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "urbangrid API"


@pytest.mark.django_db
def test_admin_login_page_is_chinese_by_default(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "用户名" in response.content.decode()


@pytest.mark.django_db
def test_admin_stays_chinese_for_an_english_browser(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "用户名" in response.content.decode()


@pytest.mark.django_db
def test_lang_parameter_switches_language_and_remembers_it(client):
    response = client.get("/admin/login/?lang=en")
    assert "Username" in response.content.decode()
    assert response.cookies["django_language"].value == "en"
    again = client.get("/admin/login/")
    assert "Username" in again.content.decode()


@pytest.mark.django_db
def test_traditional_chinese_is_available(client):
    response = client.get("/admin/login/?lang=zh-hant")
    assert "使用者名稱" in response.content.decode()


@pytest.mark.django_db
def test_favicon_is_the_sites_icon_not_a_404(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302
    assert answer["Location"].endswith(".svg")
    assert client.head("/favicon.ico").status_code == 302
    page = client.get("/login/").content.decode()
    assert 'rel="icon"' in page
