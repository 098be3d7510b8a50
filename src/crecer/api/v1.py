"""The versioned REST API, mounted at /api/v1/ (OpenAPI document at /api/v1/openapi.json,
browsable docs at /api/v1/docs served from the static files of django-ninja, no CDN)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI

from crecer.dedup.api import router as duplicates_router
from crecer.fieldwork.api import router as sync_router
from crecer.imports.api import router as imports_router
from crecer.referrals.api import router as referrals_router

from . import audit, errors, households, indicators, persons, territories
from .auth import SessionAuth, TokenAuth

DESCRIPTION = """\
Crecer's registry, territories and audit trail, limited to the caller's territories.

**Authentication**: `Authorization: Bearer <token>` (make one with `crecer token create --user U`),
or the browser session (unsafe methods then need the `X-CSRFToken` header).

**Errors**: 401 not authenticated; 403 the role may not do this; 404 not found or outside your
territories; 409 a conflict (likely duplicates); 422 `{"errors": {"field": "message"}}`.
Messages follow `Accept-Language` (`es`, `en`) or, without it, the user's preferred language.
"""


class CrecerAPI(NinjaAPI):
    def create_response(self, request: HttpRequest, data, *, status=None,
                        temporal_response=None) -> HttpResponse:
        response = super().create_response(request, data, status=status,
                                           temporal_response=temporal_response)
        response["Content-Language"] = translation.get_language()
        return response


api = CrecerAPI(
    title="Crecer API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
)
errors.install(api)

api.add_router("/territories", territories.router)
api.add_router("/households", households.router)
api.add_router("/persons", persons.router)
api.add_router("/audit", audit.router)
api.add_router("/duplicates", duplicates_router)
api.add_router("/imports", imports_router)
api.add_router("/referrals", referrals_router)
api.add_router("/sync", sync_router)
api.add_router("/indicators", indicators.router)
