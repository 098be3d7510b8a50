"""Every URL of the project × every role × an object inside and outside her territories.

The expected outcomes come from `matrix.py` (data) and `crecer.accounts.policies`; a URL that
is not classified there fails `test_every_url_is_classified`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from crecer.accounts.admin import ScopedAdminMixin

from .matrix import MATRIX, SWEPT_ELSEWHERE, Case


@dataclass(frozen=True)
class Route:
    route: str  # "households/<uuid:pk>/"
    name: str | None  # "registry:household"


def all_routes(resolver: URLResolver | None = None, prefix: str = "", ns: str = "") -> list[Route]:
    """Every URL pattern of the project, walking includes (the API's routes included)."""
    resolver = resolver or get_resolver()
    out: list[Route] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner_ns = f"{ns}{pattern.namespace}:" if pattern.namespace else ns
            out += all_routes(pattern, prefix + str(pattern.pattern), inner_ns)
        elif isinstance(pattern, URLPattern):
            out.append(Route(prefix + str(pattern.pattern),
                             f"{ns}{pattern.name}" if pattern.name else None))
    return out


def _swept(route: Route) -> bool:
    return any(route.route.startswith(prefix) for prefix in SWEPT_ELSEWHERE)


def test_every_url_is_classified():
    routes = [r for r in all_routes() if not _swept(r)]
    assert len(routes) > 40  # the walk did reach the included apps and the API
    unnamed = [r.route for r in routes if r.name is None]
    assert not unnamed, f"name these URL patterns so the matrix can classify them: {unnamed}"
    names = [r.name for r in routes]
    twice = sorted({n for n in names if names.count(n) > 1})
    assert not twice, f"URL names used twice (give one a url_name): {twice}"
    missing = sorted({r.name for r in routes} - set(MATRIX))
    assert not missing, (
        "URLs missing from the access matrix (add one entry each to tests/access/matrix.py): "
        f"{missing}")
    stale = sorted(set(MATRIX) - {r.name for r in routes})
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


ROLES = ["volunteer", "facilitator", "municipal_officer", "municipal_officer_b",
         "regional_manager", "national_manager", "data_officer", "admin"]


def _is_api(name: str) -> bool:
    return name.startswith("api-v1:")


def _request(client: Client, name: str, case: Case, place, token: str | None):
    url = reverse(name, kwargs=case.path(place) if case.path else None)
    query = case.query(place) if case.query else {}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if case.method == "GET":
        return client.get(url, query, **headers)
    if query:
        url = f"{url}?{urlencode(query)}"
    body = case.body(place) if case.body else {}
    if case.method == "POST" and (case.multipart or not _is_api(name)):
        return client.post(url, body, **headers)  # a form (multipart)
    if _is_api(name):
        return client.generic(case.method, url, json.dumps(body, default=str),
                              content_type="application/json", **headers)
    return client.generic(case.method, url, urlencode(body),
                          content_type="application/x-www-form-urlencoded", **headers)


def _expected(name: str, case: Case, user, side: str) -> int:
    if case.policy is None:
        return case.ok
    if user is None:
        return 401 if _is_api(name) else 302
    if side == "out":
        return 404
    return case.ok if case.policy(user) else case.denied


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(name, world):
    case = MATRIX[name]
    users = world.users
    failures = []
    shown_checks = 0
    if case.setup:
        for place in world.places.values():
            case.setup(place)

    clients: dict = {}

    def client_for(user) -> Client:
        """One client per user (pages: logged in once; API: bearer token, no session)."""
        key = getattr(user, "pk", None)
        if key not in clients:
            clients[key] = Client()
            if user is not None and not _is_api(name):
                clients[key].force_login(user)
        return clients[key]

    def check(label: str, user, side: str):
        nonlocal shown_checks
        client = client_for(user)
        place = world.places["A"]
        if user is not None:
            place = world.inside(user) if side == "in" else world.outside(user)
        token = world.token(user) if user is not None and _is_api(name) else None
        response = _request(client, name, case, place, token)
        want = _expected(name, case, user, side)
        got = response.status_code
        if got != want:
            failures.append(f"{label:22} {side:3} place {place.name}: got {got}, expected {want}")
            return
        if user is None and case.policy is not None and not _is_api(name):
            if not response.url.startswith("/login/"):
                failures.append(f"{label:22} redirected to {response.url}, not to the login page")
        if case.shows and user is not None and got == 200:
            body = response.content.decode()
            if response.get("Content-Type", "").startswith("application/json"):
                body = json.dumps(response.json(), ensure_ascii=False)
            mine, theirs = case.shows(place), case.shows(world.outside(user))
            shown_checks += 1
            if mine not in body:
                failures.append(f"{label:22} does not show {mine!r} (inside)")
            if theirs in body:
                failures.append(f"{label:22} SHOWS {theirs!r} (outside her territories)")

    check("anonymous", None, "in")
    if case.policy is not None:
        for role in ROLES:
            for side in (("in", "out") if case.has_object else ("in",)):
                check(role, users[role], side)
    assert not failures, f"{case.method} {name}:\n" + "\n".join(failures)
    if case.shows:
        assert shown_checks, "no role could see the list"


# --- the Django admin ------------------------------------------------------------------------

PERSONAL_MODELS = {"registry.household", "registry.person", "registry.personrole",
                   "registry.relationship", "core.auditevent"}


def _personal(model) -> bool:
    """A model over personal data: the registry's, the audit's, or anything with a foreign
    key to a person or a household."""
    from crecer.registry.models import Household, Person

    if model._meta.label_lower in PERSONAL_MODELS:
        return True
    return any(getattr(f, "related_model", None) in (Person, Household)
               for f in model._meta.get_fields() if f.concrete)


def test_every_admin_over_personal_data_is_scoped():
    unscoped = [m._meta.label for m, ma in admin.site._registry.items()
                if _personal(m) and not isinstance(ma, ScopedAdminMixin)]
    assert not unscoped, f"admins over personal data without ScopedAdminMixin: {unscoped}"


ADMIN_OBJECTS = {
    "registry.household": lambda p: p.household,
    "registry.person": lambda p: p.child,
    "registry.personrole": lambda p: p.child.roles.first(),
    "registry.relationship": lambda p: p.child.relations_in.first(),
    "core.auditevent": lambda p: _audit_event(p),
}


def _audit_event(place):
    from crecer.core.models import AuditEvent

    return AuditEvent.objects.filter(person_id=place.child.pk).first()


@pytest.mark.parametrize("label", sorted(ADMIN_OBJECTS))
def test_admin_matrix(label, world):
    """Staff users of every role in the admin of a personal-data model: the list and an object
    inside need the admin's view policy; an object outside is treated as missing (the admin's
    redirect to its index); nobody may add, change or delete there."""
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    model_admin = admin.site._registry[model]
    app, name = label.split(".")
    failures = []

    def get(client, url, want, who):
        got = client.get(url)
        if got.status_code != want:
            failures.append(f"{who:20} GET {url}: got {got.status_code}, expected {want}")
        return got

    changelist = reverse(f"admin:{app}_{name}_changelist")
    anon = Client()
    response = get(anon, changelist, 302, "anonymous")
    if response.status_code == 302 and "/login/" not in response.url:
        failures.append(f"anonymous redirected to {response.url}")
    for role in ROLES:
        user = world.users[role]
        client = Client()
        client.force_login(user)
        get(client, changelist, 302, f"{role} (not staff)")
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        allowed = model_admin.view_policy(user)
        inside = ADMIN_OBJECTS[label](world.inside(user))
        outside = ADMIN_OBJECTS[label](world.outside(user))
        listed = get(client, changelist, 200 if allowed else 403, role)
        if allowed and listed.status_code == 200:
            shown = {obj.pk for obj in listed.context["cl"].result_list}
            if inside.pk not in shown or outside.pk in shown:
                failures.append(f"{role}: the list shows {shown}, not only what is inside")
        change = f"admin:{app}_{name}_change"
        get(client, reverse(change, args=[inside.pk]), 200 if allowed else 403, role)
        got = get(client, reverse(change, args=[outside.pk]), 302 if allowed else 403, role)
        if allowed and got.status_code == 302 and got.url != reverse("admin:index"):
            failures.append(f"{role}: outside object redirected to {got.url}")
        get(client, reverse(f"admin:{app}_{name}_add"), 403, role)
        get(client, reverse(f"admin:{app}_{name}_delete", args=[inside.pk]), 403, role)
    assert not failures, "\n".join(failures)
