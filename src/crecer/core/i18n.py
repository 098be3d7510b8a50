"""Compile the .po catalogues to .mo with polib, so the demo needs no GNU gettext."""

from __future__ import annotations

import gettext
from pathlib import Path

import polib
from django.conf import settings


def ensure_compiled() -> list[Path]:
    written = []
    for base in settings.LOCALE_PATHS:
        for po_path in Path(base).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                written.append(mo_path)
    if written:
        _forget_loaded_catalogues()
    return written


def _forget_loaded_catalogues() -> None:
    """Django loads the catalogues as early as django.setup() and caches them per language, and
    the standard library caches each parsed .mo by path: drop both so new files are seen."""
    from django.utils.translation import trans_real

    gettext._translations.clear()  # type: ignore[attr-defined]
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()
