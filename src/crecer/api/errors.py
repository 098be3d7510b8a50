"""One shape for every API error, in the caller's language.

    400 {"detail": "..."}                  the body is not JSON
    401 {"detail": "..."}                  no or bad credentials (with WWW-Authenticate: Bearer)
    403 {"detail": "..."}                  the role may not do this (object visible)
    404 {"detail": "..."}                  nothing here, or outside the caller's territories
    409 {"detail": "...", ...}             a conflict the caller must resolve (e.g. duplicates)
    422 {"errors": {"field": "message"}}   invalid input, every bad field named
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

# Where ninja says a bad value came from; not part of the field name shown to the caller.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


class Invalid(Exception):
    """Raise from an endpoint to answer 422 with these field errors."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(errors)


class Conflict(Exception):
    """Raise from an endpoint to answer 409 with `detail` and extra JSON fields."""

    def __init__(self, detail: str, **extra: Any) -> None:
        self.detail, self.extra = detail, extra
        super().__init__(detail)


def field_errors(exc: DjangoValidationError) -> dict[str, str]:
    """A Django ValidationError (from `validation.py` / `actions.py`) as {field: message}."""
    if hasattr(exc, "error_dict"):
        return {("non_field_errors" if k == "__all__" else k): " ".join(str(m) for m in v)
                for k, v in exc.message_dict.items()}
    return {"non_field_errors": " ".join(str(m) for m in exc.messages)}


def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind.startswith("uuid"):
        return _("Enter a valid UUID.")
    if kind.startswith("int"):
        return _("Enter a whole number.")
    if kind.startswith(("float", "decimal")):
        return _("Enter a number.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    if kind.startswith("date"):
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind.startswith(("string", "str")) and "max_length" in ctx:
        return _("Use at most %(n)s characters.") % {"n": ctx["max_length"]}
    if kind.startswith(("string", "str")):
        return _("Enter text.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(values)s.") % {"values": ctx.get("expected", "")}
    if kind.startswith(("list", "dict", "model")):
        return _("Wrong kind of value.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    return _("Invalid value.")


def _field_name(loc: list[Any] | tuple[Any, ...], body_params: set[str]) -> str:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] in body_params:
            parts.pop(0)
    return ".".join(str(p) for p in parts) or "non_field_errors"


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error the shape above."""

    def respond(request: HttpRequest, data: dict, status: int) -> HttpResponse:
        return api.create_response(request, data, status=status)

    def on_ninja_validation(request, exc: NinjaValidationError):
        errors: dict[str, str] = {}
        for error in exc.errors:
            # The body parameter of every Crecer endpoint is called `payload`.
            name = _field_name(error.get("loc", ()), {"payload"})
            errors.setdefault(name, _pydantic_message(error))
        return respond(request, {"errors": errors}, 422)

    def on_invalid(request, exc: Invalid):
        return respond(request, {"errors": exc.errors}, 422)

    def on_django_validation(request, exc: DjangoValidationError):
        return respond(request, {"errors": field_errors(exc)}, 422)

    def on_conflict(request, exc: Conflict):
        return respond(request, {"detail": exc.detail, **exc.extra}, 409)

    def on_denied(request, exc: PermissionDenied):
        return respond(request, {"detail": str(exc) or _("You are not allowed to do this.")}, 403)

    def on_404(request, exc: Http404):
        return respond(request, {"detail": _("Not found.")}, 404)

    def on_unauthenticated(request, exc: AuthenticationError):
        response = respond(request, {"detail": _("Log in, or send Authorization: Bearer <token>.")},
                           401)
        response["WWW-Authenticate"] = 'Bearer realm="crecer"'
        return response

    def on_http_error(request, exc: HttpError):
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = _("The request body is not valid JSON.")
        return respond(request, {"detail": detail}, exc.status_code)

    api.add_exception_handler(NinjaValidationError, on_ninja_validation)
    api.add_exception_handler(Invalid, on_invalid)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(Conflict, on_conflict)
    api.add_exception_handler(PermissionDenied, on_denied)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(HttpError, on_http_error)
