"""The installable web app: its manifest and its service worker (public, no personal data).

The service worker is served from /app/sw.js with `Service-Worker-Allowed: /` so that its
scope is the whole site; it caches the app shell (see templates/fieldwork/sw.js).
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# Bump when the shell (sw.js, offline.js, CSS) changes: the old cache is then dropped.
SHELL_VERSION = "1"


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    data = {
        "name": "Crecer", "short_name": "Crecer", "lang": request.LANGUAGE_CODE,
        "start_url": reverse("fieldwork:worklist"), "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#2f6f4f",
        "icons": [{"src": static("fieldwork/icon.svg"), "sizes": "any",
                   "type": "image/svg+xml", "purpose": "any"}],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    body = render_to_string("fieldwork/sw.js", {
        "version": SHELL_VERSION,
        "worklist": reverse("fieldwork:worklist"), "logout": reverse("logout"),
        "shell": [static("crecer/crecer.css"), static("django_htmx/htmx-2.min.js"),
                  static("fieldwork/offline.js"), static("fieldwork/icon.svg")],
    })
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
