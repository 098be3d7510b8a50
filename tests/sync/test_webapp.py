"""The installable app: manifest, service worker, and which pages register it."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_manifest(client):
    r = client.get("/app/manifest.webmanifest")
    assert r.status_code == 200 and r["Content-Type"] == "application/manifest+json"
    data = r.json()
    assert data["name"] == "Crecer" and data["start_url"] == "/worklist/"
    assert data["display"] == "standalone"
    [icon] = data["icons"]
    assert icon["src"].endswith("fieldwork/icon.svg") and finders.find("fieldwork/icon.svg")


def test_service_worker(client):
    r = client.get("/app/sw.js")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    body = r.content.decode()
    for url in ("/static/crecer/crecer.css", "/static/fieldwork/offline.js", "/worklist/",
                "/logout/"):
        assert url in body
    assert "&quot;" not in body and "&#x27;" not in body  # no HTML escaping in the script
    assert finders.find("fieldwork/offline.js")


def test_only_volunteer_pages_register_the_app(client, users, family):
    client.force_login(users["volunteer"])
    worklist = client.get("/worklist/").content.decode()
    assert 'rel="manifest"' in worklist and "fieldwork/offline.js" in worklist
    assert 'id="offline-status"' in worklist
    home = client.get("/").content.decode()
    assert 'rel="manifest"' not in home and "offline.js" not in home


def test_visit_form_works_offline(client, users, family):
    client.force_login(users["volunteer"])
    page = client.get(f"/households/{family['household'].pk}/visit/").content.decode()
    assert "fieldwork/offline.js" in page
    assert f'data-household="{family["household"].pk}"' in page
