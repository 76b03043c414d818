"""/hotline/ and /hotline/callbacks/: the desk pages."""

from __future__ import annotations


def test_the_desk_is_for_agents(world, session, client):
    assert client.get("/hotline/").status_code == 302
    page = session(world.operator).get("/hotline/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "intake/desk.js" in html
    assert 'value="110"' in html
    assert session(world.handler).get("/hotline/").status_code == 403


def test_the_callback_page_renders(world, session):
    page = session(world.operator).get("/hotline/callbacks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/v1/hotline/callbacks" in html
    assert 'caseUrl: "/staff/cases/__number__/"' in html  # case numbers link to the case
