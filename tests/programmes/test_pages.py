import json

from django.test import Client
from django.urls import reverse


def _client(user):
    c = Client()
    c.cookies["django_language"] = "en"  # assertions below read the English texts
    c.force_login(user)
    return c


def test_list_for_everyone_edit_for_admins(users, presets):
    r = _client(users["volunteer"]).get(reverse("programmes:list"))
    assert r.status_code == 200 and "Juntos" in r.content.decode()
    url = reverse("programmes:edit", args=[presets["juntos-cct"].pk])
    assert _client(users["municipal_officer"]).get(url).status_code == 403
    assert _client(users["admin"]).get(url).status_code == 200


def test_edit_rejects_bad_json_and_bad_config_with_path(users, presets):
    programme = presets["juntos-cct"]
    url = reverse("programmes:edit", args=[programme.pk])
    c = _client(users["admin"])
    r = c.post(url, {"name": programme.name, "active": "on", "config": "{not json"})
    assert r.status_code == 400 and "not valid JSON" in r.content.decode()
    config = dict(programme.config)
    config["schedule"] = {**config["schedule"], "default_every_days": 0}
    r = c.post(url, {"name": programme.name, "active": "on", "config": json.dumps(config)})
    assert r.status_code == 400 and "schedule.default_every_days" in r.content.decode()
    config["schedule"]["default_every_days"] = 21
    r = c.post(url, {"name": "Juntos", "active": "on", "config": json.dumps(config)})
    assert r.status_code == 302
    programme.refresh_from_db()
    assert programme.config["schedule"]["default_every_days"] == 21 and programme.name == "Juntos"


def test_enrol_page_enrols_or_explains(users, family, presets):
    from crecer.programmes.models import Enrolment

    url = reverse("programmes:enrol", args=[family["household"].pk])
    c = _client(users["municipal_officer"])
    assert c.get(url).status_code == 200
    r = c.post(url, {"programme": presets["itpi-infant-package"].pk,
                     "person": family["child"].pk})
    assert r.status_code == 400 and "months old" in r.content.decode()
    r = c.post(url, {"programme": presets["honduras-pi-volunteers"].pk,
                     "volunteer": users["volunteer"].pk})
    assert r.status_code == 302
    e = Enrolment.objects.get()
    assert e.volunteer == users["volunteer"] and e.person is None
    assert _client(users["volunteer"]).get(url).status_code == 403
    assert _client(users["municipal_officer_b"]).get(url).status_code == 404
