"""Gavel speaks English, German and Simplified Chinese completely: every text people read is marked for
translation (tests/i18n/checks.py), and every catalogue translates every marked text, with the same placeholders,
compiled as committed. `make messages` collects and compiles; these tests fail until it has been run and the new
entries translated."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

from tests.i18n.checks import ROOT, unmarked_code_text, unmarked_template_text

TRANSLATED = [to_locale(code) for code, _name in settings.LANGUAGES if not code.startswith("en")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdir]|%[sdir]|{(\w*)(?::[^}]*)?}")


def catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"))


def test_the_site_speaks_english_german_and_simplified_chinese():
    assert [code for code, _name in settings.LANGUAGES] == ["en-gb", "de", "zh-hans"]
    assert TRANSLATED == ["de", "zh_Hans"]


def test_every_template_text_is_marked_for_translation():
    findings = unmarked_template_text()
    assert findings == [], f"{len(findings)} texts in templates are not marked for translation:\n" + "\n".join(
        findings[:80])


def test_every_user_facing_text_in_the_code_is_marked_for_translation():
    findings = unmarked_code_text()
    assert findings == [], f"{len(findings)} texts in the code are not marked for translation:\n" + "\n".join(
        findings[:80])


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_entry_of_the_catalogue_is_translated(locale):
    po = catalogue(locale)
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], f"{locale}: {len(untranslated)} untranslated: {untranslated[:30]}"
    assert fuzzy == [], f"{locale}: {len(fuzzy)} fuzzy: {fuzzy[:30]}"
    assert len(po) > 500  # the catalogue holds the site, not a handful of strings


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders_of_the_english_text(locale):
    wrong = []
    for entry in catalogue(locale).translated_entries():
        pairs = [(entry.msgid, entry.msgstr)] if not entry.msgid_plural else [
            (entry.msgid_plural if index else entry.msgid, text) for index, text in entry.msgstr_plural.items()]
        for english, translated in pairs:
            if sorted(PLACEHOLDER.findall(english)) != sorted(PLACEHOLDER.findall(translated)) and not (
                    entry.msgid_plural and "%(" not in english and "{" not in english):
                wrong.append(f"{english!r} -> {translated!r}")
    assert wrong == [], f"{locale}: placeholders differ:\n" + "\n".join(wrong[:30])


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_compiled_catalogue_is_the_committed_one(locale):
    po = catalogue(locale)
    mo = polib.mofile(str(ROOT / "locale" / locale / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in mo}
    committed = {(e.msgctxt, e.msgid): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
                 for e in po.translated_entries()}
    missing = [key for key, value in committed.items() if compiled.get(key) != value]
    assert missing == [], f"{locale}: django.mo is older than django.po (run make messages): {missing[:10]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed")
def test_the_catalogues_hold_every_marked_text_and_nothing_else(tmp_path):
    """makemessages run on a copy of the code finds exactly the catalogues' entries: nothing marked is missing from
    them (an English text in a German page), nothing left over from texts that are gone."""
    copy = tmp_path / "gavel"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".git", "var", "build", "node_modules", "*.egg-info", "__pycache__", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", "static", "docs"))
    subprocess.run([sys.executable, "manage.py", "makemessages", *[f"-l{locale}" for locale in TRANSLATED],
                    "-e", "html,txt,py", "--no-location", "--no-wrap", "--no-obsolete", *[
                        f"--ignore={name}" for name in ("tests", "bench", "gavel_verify")]],
                   cwd=copy, check=True, capture_output=True)
    for locale in TRANSLATED:
        found = polib.pofile(str(copy / "locale" / locale / "LC_MESSAGES" / "django.po"))
        fresh = {(e.msgctxt, e.msgid) for e in found}
        committed = {(e.msgctxt, e.msgid) for e in catalogue(locale) if not e.obsolete}
        assert sorted(fresh - committed, key=str) == [], f"{locale}: marked but not in the catalogue (make messages)"
        assert sorted(committed - fresh, key=str) == [], f"{locale}: in the catalogue but no longer in the code"


def test_the_catalogues_are_where_django_reads_them():
    assert [Path(p) for p in settings.LOCALE_PATHS] == [ROOT / "locale"]
