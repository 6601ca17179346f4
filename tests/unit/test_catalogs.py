"""Languages (issue 24): the catalogs are complete and in step with the code.

Every message marked in the code (bin/translations extract: babel.cfg's files, the gettext keywords) is in
app/translations/messages.pot, and German, French and Spanish translate each one: none missing, none fuzzy,
placeholders the same as the English ones (Babel's checkers), every plural form filled."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.i18n import DEFAULT, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
OTHERS = [code for code in LANGUAGES if code != DEFAULT]


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def template():
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        return read_po(f)


def test_the_template_holds_every_message_the_code_marks(tmp_path, template):
    fresh = tmp_path / "messages.pot"
    subprocess.run([str(ROOT / "bin" / "translations"), "extract", str(fresh)], check=True, cwd=ROOT)
    with open(fresh, "rb") as f:
        marked = _ids(read_po(f))
    assert len(marked) > 1000  # the whole app goes through gettext, not a handful of pages
    assert not marked - _ids(template), "marked in the code but not in messages.pot: run bin/translations"
    assert not _ids(template) - marked, "in messages.pot but no longer in the code: run bin/translations"


@pytest.mark.parametrize("code", OTHERS)
def test_each_language_translates_every_message(code, template):
    with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale=code)
    assert not _ids(template) - _ids(catalog), f"{code}: messages missing, run bin/translations and translate them"
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert not untranslated, f"{code}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"{code}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:3]}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, f"{code}: placeholders differ from the English: {problems[:3]}"


def test_a_language_the_catalog_names_is_one_we_offer():
    on_disk = {path.name for path in TRANSLATIONS.iterdir() if (path / "LC_MESSAGES" / "messages.po").exists()}
    assert on_disk == set(OTHERS)
