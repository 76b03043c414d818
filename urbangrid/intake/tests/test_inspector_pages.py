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
