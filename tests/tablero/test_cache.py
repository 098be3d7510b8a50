"""The per-user cache of tablero pages and indicator API values (crecer.tablero.cache): a page
asked twice is built once; an audited change or a refresh shows at once; nothing crosses users or
languages; scope (404) and role (403) are still checked on every request."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.urls import reverse

from crecer.tablero import cache

from .conftest import THIS_MONTH
from .test_tablero import card_value, unit_url


@pytest.fixture
def locmem(settings):
    """An in-memory cache (the test settings have none), empty."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "tablero-cache-tests"}}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


@pytest.fixture
def builds(monkeypatch):
    """How many times each page's context (the expensive part) was computed."""
    from crecer.tablero import pages

    counts = {"unit": 0, "indicator": 0, "chain": 0}
    for name in counts:
        original = getattr(pages, f"{name}_page")

        def counted(*args, _name=name, _original=original, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(pages, f"{name}_page", counted)
    return counts


def page(client, user, url, **params) -> str:
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def main(html: str) -> str:
    """The page inside base.html (which has a new CSRF token each time)."""
    return html[html.index('<main id="main">'):html.index("</main>")]


def test_the_second_request_is_served_from_the_cache(client, tree, users, dashboard, locmem,
                                                     builds, django_assert_max_num_queries):
    user = users["national_manager"]
    first = page(client, user, unit_url(tree.country), pt="month")
    assert builds["unit"] == 1
    # the same page again: no rebuild, a few queries (session, user, the unit and her
    # territories for the 404, the data version)
    with django_assert_max_num_queries(6):
        again = page(client, user, unit_url(tree.country), pt="month")
    assert builds["unit"] == 1
    assert main(again) == main(first)
    assert user.username in again  # base.html (user name, CSRF token) is rendered every time
    # another query string is another page; the order of its parameters does not matter
    page(client, user, unit_url(tree.country) + "?pt=quarter&dim=sex")
    page(client, user, unit_url(tree.country) + "?dim=sex&pt=quarter")
    assert builds["unit"] == 2
    ind = reverse("tablero:indicator", args=[tree.country.pk, "caregiver-registry"])
    chain = reverse("tablero:chain", args=[tree.country.pk, "output"])
    for url in (ind, ind, chain, chain):
        page(client, user, url)
    assert (builds["indicator"], builds["chain"]) == (1, 1)
    assert "plotly.min.js?v=" in page(client, user, ind)  # the head is not cached


def test_downloads_are_not_cached(client, tree, users, dashboard, locmem, builds):
    client.force_login(users["national_manager"])
    for _ in range(2):
        response = client.get(unit_url(tree.country), {"format": "csv"})
        assert response.status_code == 200
    assert builds["unit"] == 2


def test_an_audited_change_shows_at_once(client, tree, users, dashboard, locmem, builds):
    from crecer.indicators import actions

    user = users["national_manager"]
    html = page(client, user, unit_url(tree.country))
    card = html[html.index('data-indicator="caregiver-registry"'):]
    assert "30,0 %" in card[:card.index("</article>")] and 'class="light red"' in card
    stamp = cache.results_stamp()
    # the M&E officer lowers the country's target: an audited action, no refresh
    actions.set_target(actor=users["data_officer"], indicator=dashboard["indicators"]
                       ["caregiver-registry"], unit=tree.country, period=THIS_MONTH.code,
                       value="10")
    assert cache.results_stamp() == stamp
    html = page(client, user, unit_url(tree.country))
    card = html[html.index('data-indicator="caregiver-registry"'):]
    card = card[:card.index("</article>")]
    assert "10,0 %" in card and "30,0 %" not in card
    assert 'class="light green"' in card  # 12,8 % of a 10 % target
    assert builds["unit"] == 2


def test_a_refresh_shows_the_new_values(client, tree, users, dashboard, locmem, builds):
    from crecer.indicators import engine
    from crecer.territory.models import PopulationEstimate

    user = users["national_manager"]
    assert card_value(page(client, user, unit_url(tree.country)), "caregiver-registry") == \
        "12.8205"  # 5 caregivers / 39 children
    # a change the audit trail does not see (a bulk update), then a refresh: 5 / 20
    PopulationEstimate.objects.filter(unit=tree.comm_b1).update(value=1)
    version = cache.audit_version()
    assert card_value(page(client, user, unit_url(tree.country)), "caregiver-registry") == \
        "12.8205"  # the results have not changed yet: still the cached page
    assert builds["unit"] == 1
    engine.refresh(full=True)
    assert cache.audit_version() == version  # only the results file changed
    assert card_value(page(client, user, unit_url(tree.country)), "caregiver-registry") == "25"
    assert builds["unit"] == 2


def test_users_never_share_a_cached_page(client, tree, users, dashboard, locmem, builds):
    national, regional = users["national_manager"], users["regional_manager"]
    url = unit_url(tree.region_a)
    html = page(client, national, url)
    assert f'href="/tablero/{tree.country.pk}/' in html  # her breadcrumbs start at the country
    # the regional manager asks for the same page: her own, built for her
    mine = page(client, regional, url)
    assert builds["unit"] == 2
    crumbs = mine[mine.index('id="crumbs"'):]
    assert f'href="/tablero/{tree.country.pk}/' not in crumbs[:crumbs.index("</nav>")]
    assert regional.username in mine and national.username not in mine
    # outside her territories, a page another user has cached is still 404; a role without
    # the tablero still 403
    page(client, national, unit_url(tree.muni_a1))
    client.force_login(users["municipal_officer_b"])
    assert client.get(unit_url(tree.muni_a1)).status_code == 404
    assert client.get(unit_url(tree.region_a)).status_code == 404
    client.force_login(users["volunteer"])
    assert client.get(unit_url(tree.comm_a1)).status_code == 403


def test_each_language_has_its_own_page(client, tree, users, dashboard, locmem, builds):
    user = users["national_manager"]
    spanish = page(client, user, unit_url(tree.country))
    assert "Indicadores clave" in spanish and "Cobertura del registro de cuidadores" in spanish
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(client, user, unit_url(tree.country))
    assert "Key indicators" in english and "Caregiver registry coverage" in english
    assert "Indicadores clave" not in english
    assert builds["unit"] == 2
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "es"
    assert main(page(client, user, unit_url(tree.country))) == main(spanish)
    assert builds["unit"] == 2


def test_data_version(tree, users, dashboard):
    from crecer.core.models import AuditEvent
    from crecer.indicators import engine

    stamp, top, n = cache.data_version()
    assert stamp == engine.current_results().name
    assert top == AuditEvent.objects.order_by("-id").first().pk
    assert n == AuditEvent.objects.filter(id__gt=top - cache.LATE_WINDOW).count() > 0

    def event(pk):
        AuditEvent.objects.create(id=pk, action="update", entity="tests.event", object_id="1")

    event(top + 10)
    assert cache.data_version() == (stamp, top + 10, n + 1)
    # an event committed late, below the highest id (concurrent transactions on PostgreSQL),
    # still changes the version
    event(top + 5)
    assert cache.data_version() == (stamp, top + 10, n + 2)


def test_request_parts_sort_the_query_string_and_keep_it_unambiguous(rf):
    parts = lambda url: cache.request_parts(rf.get(url))  # noqa: E731
    assert parts("/tablero/1/?pt=year&dim=sex") == parts("/tablero/1/?dim=sex&pt=year")
    assert parts("/tablero/1/?sex=F&sex=M") == parts("/tablero/1/?sex=M&sex=F")
    assert parts("/tablero/1/?a=b%26c%3Dd") != parts("/tablero/1/?a=b&c=d")
    assert parts("/tablero/1/?pt=year") != parts("/tablero/2/?pt=year")


# --- the indicator API ----------------------------------------------------------------------

def api(client, user):
    from crecer.accounts.models import ApiToken

    _token, raw = ApiToken.issue(user, name="test")

    def get(params):
        return client.get("/api/v1/indicators/values", params, HTTP_AUTHORIZATION=f"Bearer {raw}")
    return get


@pytest.fixture
def value_reads(monkeypatch):
    from crecer.api import indicators

    calls = []
    original = indicators._values

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(indicators, "_values", counted)
    return calls


def test_api_values_are_cached_per_user(client, tree, users, dashboard, locmem, value_reads):
    from crecer.indicators import engine
    from crecer.territory.models import PopulationEstimate

    params = {"unit": "HN-0101", "period": THIS_MONTH.code, "indicator": "caregiver-registry",
              "children": "true"}
    national = api(client, users["national_manager"])
    first = national(params).json()
    assert national(dict(reversed(params.items()))).json() == first
    assert len(value_reads) == 1
    assert {v["unit"]["code"]: v["value"] for v in first}["HN-0101"] == pytest.approx(200 / 14)
    # another user of the same territory gets her own answer; an outsider still gets 404
    assert api(client, users["municipal_officer"])(params).json() == first
    assert len(value_reads) == 2
    assert api(client, users["municipal_officer_b"])(params).status_code == 404
    assert api(client, users["volunteer"])(params).status_code in (403, 404)
    assert len(value_reads) == 2
    # invalid questions are answered (and not cached) as before
    bad = national({**params, "period": "2026-13"})
    assert bad.status_code == 422 and "period" in bad.json()["errors"]
    # a refresh gives the new values
    PopulationEstimate.objects.filter(unit=tree.comm_a1).update(value=1)
    engine.refresh(full=True)
    fresh = {v["unit"]["code"]: v["value"] for v in national(params).json()}
    assert fresh["HN-0101"] == pytest.approx(2 / 5 * 100)
