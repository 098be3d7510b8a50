"""Language selection: Spanish unless the user chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, which on most phones and on
headless browsers says English; Crecer's users expect Spanish by default. The order here is:
the language cookie set by the language switcher, then the user's saved preference, then
settings.LANGUAGE_CODE. API clients may still ask for a language with Accept-Language on /api/.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        user = getattr(request, "user", None)
        if lang not in SUPPORTED and user is not None and user.is_authenticated:
            lang = getattr(user, "preferred_language", None)
        if lang not in SUPPORTED and request.path.startswith("/api/"):
            lang = translation.get_language_from_request(request)
        if lang not in SUPPORTED:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        response.headers.setdefault("Vary", "Cookie")
        return response
