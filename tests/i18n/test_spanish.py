"""The interface is Spanish by default, English on request, and the catalogue stays complete.

The .mo files are not in git: the `compiled` fixture builds them with crecer.core.i18n.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module", autouse=True)
def compiled():
    """The .mo files are not in git: compile them (tests/conftest.py does it too, at the start
    of the session); ensure_compiled also makes Django forget catalogues it already loaded."""
    from crecer.core.i18n import ensure_compiled

    ensure_compiled()


def test_login_page_is_spanish_even_when_the_browser_asks_for_english(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert "Iniciar sesión en Crecer" in html
    assert "Contraseña" in html
    assert "Log in to Crecer" not in html
    assert response["Content-Language"] == "es"


def test_language_switcher_turns_the_same_page_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"},
                           HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302
    html = client.get("/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in to Crecer" in html
    assert "Iniciar sesión" not in html
    # and back to Spanish
    client.post("/i18n/setlang/", {"language": "es", "next": "/login/"})
    assert "Iniciar sesión en Crecer" in client.get("/login/").content.decode()


def test_logged_in_pages_are_spanish(client, users, family):
    client.force_login(users["municipal_officer"])
    response = client.get("/households/", HTTP_ACCEPT_LANGUAGE="en-US")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hogares" in html or ">Hogares<" in html
    assert "Cerrar sesión" in html
    assert "Log out" not in html
    assert "H-0001" in html


def test_validation_messages_are_spanish():
    from crecer.registry.validation import clean_household, clean_person

    with translation.override("es"), pytest.raises(ValidationError) as person_error:
        clean_person({"given_names": "", "first_surname": "Pérez", "sex": "X",
                      "birth_date": "2999-01-01"})
    messages = person_error.value.message_dict
    assert messages["given_names"] == ["Este campo es obligatorio."]
    assert messages["sex"] == ["El sexo debe ser F o M."]
    assert messages["birth_date"] == ["La fecha de nacimiento es futura."]

    with translation.override("es"), pytest.raises(ValidationError) as household_error:
        clean_household({"area": "marte", "water_source": "lluvia"})
    messages = household_error.value.message_dict
    assert messages["area"] == ["El área debe ser rural o urbana."]
    assert messages["water_source"] == ["Fuente de agua desconocida: “lluvia”."]

    with translation.override("en"), pytest.raises(ValidationError) as english_error:
        clean_person({"given_names": "Ana", "first_surname": "Pérez", "sex": "X"})
    assert english_error.value.message_dict["sex"] == ["Sex must be F or M."]


def test_plural_forms_are_spanish():
    with translation.override("es"):
        assert translation.ngettext("%(n)s person", "%(n)s persons", 1) == "%(n)s persona"
        assert translation.ngettext("%(n)s person", "%(n)s persons", 3) == "%(n)s personas"
        assert translation.ngettext("%(n)s person", "%(n)s persons", 0) == "%(n)s personas"


def test_catalogue_is_complete():
    """Every string of the interface has a reviewed Spanish translation.

    When this fails after adding strings: in src/crecer run
    `crecer makemessages -l es --ignore "migrations/*" --no-location --no-wrap`, translate the
    new entries (and check or clear any `#, fuzzy` guess) in locale/es/LC_MESSAGES/django.po.
    """
    po = polib.pofile(str(PO_PATH))
    assert po.metadata["Language"] == "es"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"
    assert po.percent_translated() == 100
    for entry in po.translated_entries():  # placeholders survive translation
        if "python-format" in entry.flags and not entry.msgid_plural:
            for name in _named_placeholders(entry.msgid):
                assert name in entry.msgstr, (entry.msgid, entry.msgstr)


def test_catalogue_covers_the_source_strings():
    """A string wrapped in gettext in the templates is in the catalogue (makemessages was run)."""
    po = polib.pofile(str(PO_PATH))
    msgids = {e.msgid for e in po}
    for expected in ("Households", "Log out", "Possible duplicates", "Import households",
                     "Audit trail", "Log in to Crecer"):
        assert expected in msgids


def test_gettext_calls_are_extractable():
    """makemessages (xgettext) only knows the names _, gettext, gettext_lazy, ngettext,
    pgettext…: a string wrapped in an alias such as `gettext_lazy as _lazy` never reaches the
    catalogue and stays English. Only `_` may be used as an alias."""
    import ast

    src = Path(settings.BASE_DIR)
    offenders = []
    for path in src.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                offenders += [f"{path.relative_to(src)}:{node.lineno} {a.name} as {a.asname}"
                              for a in node.names if a.asname not in (None, "_")]
    assert not offenders


def _named_placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\([a-z_]+\)[-+ #0]*\d*[sdif]", text)
