"""Who is calling the API: a bearer token (scripts) or the browser session (with CSRF).

Both put the user on `request.user` and `request.auth`, so that endpoints and the scope
functions see the same user whichever way she came in.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from crecer.accounts.models import ApiToken, hash_token

# `last_used_at` is written at most this often per token (not on every request).
TOUCH_EVERY = dt.timedelta(minutes=1)
SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a token made by `crecer token create --user U`.

    Only the SHA-256 of a token is stored; a token is refused when revoked or when its user is
    inactive.
    """

    def authenticate(self, request: HttpRequest, token: str):
        token = token.strip()
        if not token or len(token) > 200:
            return None
        row = (ApiToken.objects.select_related("user")
               .filter(key_hash=hash_token(token), revoked=False, user__is_active=True)
               .first())
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        user = row.user
        request.user = user
        _use_language_of(request, user)
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session. Unsafe methods need the CSRF token (`X-CSRFToken`),
    checked only once the session is known to belong to a logged-in user, so that an
    anonymous call gets 401 rather than a CSRF error."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return user


def _use_language_of(request: HttpRequest, user) -> None:
    """A script that does not ask for a language (no Accept-Language, no language cookie)
    gets the token user's preferred language; the middleware could not know the user yet."""
    if request.headers.get("Accept-Language") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        return
    lang = getattr(user, "preferred_language", "")
    if lang in SUPPORTED_LANGUAGES:
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
