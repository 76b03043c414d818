"""/inspector/: the installable app shell, its manifest and its service worker."""

from __future__ import annotations


def test_the_app_shell_needs_sign_in(world, client):
    assert client.get("/inspector/").status_code == 302


def test_the_app_shell_links_manifest_worker_and_offline_queue(world, session):
    html = session(world.inspector).get("/inspector/").content.decode()
    assert "/inspector/manifest.webmanifest" in html
    assert "intake/offline-queue.js" in html
    assert "Waiting to be sent" in html or "待发送" in html or "task-list" in html


def test_the_manifest_makes_it_installable(world, client):
    manifest = client.get("/inspector/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == "/inspector/"
    assert data["display"] == "standalone"
    assert any(icon["sizes"] == "192x192" for icon in data["icons"])


def test_the_service_worker_caches_the_shell(world, client):
    worker = client.get("/inspector/sw.js")
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/inspector/"
    body = worker.content.decode()
    assert "/static/intake/inspector.js" in body
    assert "caches.open" in body


def test_the_maps_open_on_the_users_own_district(world, session):
    """In a city of several districts the inspector's maps (and the desk's) fit the
    district of the user's grids or area, not the first one (``map.js`` reads
    ``data-district``)."""
    from urbangrid.organisations.models import InspectorGrid
    from urbangrid.organisations.selectors import home_district_code

    grid = InspectorGrid.objects.filter(inspector=world.inspector).values_list(
        "grid_code", flat=True
    )[0]
    assert home_district_code(world.inspector) == grid[:6]
    html = session(world.inspector).get("/inspector/").content.decode()
    assert html.count(f'data-district="{grid[:6]}"') == 2  # the tasks map and the report map
    world.operator.area_code = "110102001"
    world.operator.save(update_fields=["area_code"])
    desk = session(world.operator).get("/hotline/").content.decode()
    assert 'data-district="110102"' in desk
    world.operator.area_code = ""
    world.operator.save(update_fields=["area_code"])
    assert home_district_code(world.operator) == ""  # city-wide: the first district
