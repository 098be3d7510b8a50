"""Fixtures of the implementation tests: files go to a temporary MEDIA_ROOT, pages in English,
and small files of every kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crecer.implementation import actions

START = dt.date(2025, 1, 15)  # planning-start due 2025-04-15, operation 2026-01-15, 2027-01-15
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield settings.MEDIA_ROOT


def files_on_disk(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf(name: str = "acta.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF)


def html_as_pdf(name: str = "informe.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, HTML)


@pytest.fixture
def checklists(tree):
    """The MAS-BIENESTAR checklist in region A, municipalities A1, A2 and B1 (same start)."""
    return {name: actions.instantiate("mas-bienestar", getattr(tree, name), start_date=START)
            for name in ("region_a", "muni_a1", "muni_a2", "muni_b1")}
