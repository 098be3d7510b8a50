"""Login is rate-limited by django-axes: after 5 failures for a username from one address, even
the right password is refused (the "locked" page) until the cool-off; a success resets the count."""

from __future__ import annotations

from django.conf import settings
from tests.conftest import PASSWORD


def login(client, username: str, password: str, ip: str = "10.0.0.1"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages are asserted in English
    return client.post("/login/", {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


def locked_page(response) -> bool:
    return response.status_code == 429 and b"Too many failed attempts" in response.content


def test_sixth_attempt_is_refused_even_with_the_right_password(client, users):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = login(client, "muni", "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert b"didn't match" in response.content
    fifth = login(client, "muni", "wrong")
    assert locked_page(fifth)
    sixth = login(client, "muni", PASSWORD)
    assert locked_page(sixth)
    assert not logged_in(client)


def test_lock_is_per_username_and_address(client, users):
    for _ in range(5):
        login(client, "muni", "wrong")
    # The same user from another address, and another user from the same address, still log in.
    assert login(client, "muni", PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert login(client, "fac", PASSWORD).status_code == 302
    assert logged_in(client)


def test_success_resets_the_failure_count(client, users):
    for _ in range(4):
        login(client, "muni", "wrong")
    assert login(client, "muni", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert login(client, "muni", "wrong").status_code == 200
    response = login(client, "muni", PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    assert logged_in(client)


def test_unknown_usernames_are_limited_too(client, db):
    for _ in range(5):
        login(client, "ghost", "x")
    assert locked_page(login(client, "ghost", "x"))
