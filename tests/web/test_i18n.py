"""The .po catalogues: compiled once per file version, picked per request."""
from __future__ import annotations

import os
from pathlib import Path

from web.i18n import Translations, compile_catalogue

PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Vote"
msgstr "{}"
'''


def write_po(path: Path, translation: str, mtime_ns: int) -> Path:
    path.write_text(PO.format(translation), "utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def test_a_catalogue_is_compiled_once_and_again_when_its_file_changes(tmp_path):
    po = write_po(tmp_path / "messages.po", "Voter", 1_000_000_000_000_000_000)
    first = compile_catalogue(po, "fr")
    assert first.gettext("Vote") == "Voter"
    assert compile_catalogue(po, "fr") is first

    write_po(po, "Scrutin", 1_000_000_001_000_000_000)
    second = compile_catalogue(po, "fr")
    assert second is not first
    assert second.gettext("Vote") == "Scrutin"


def test_apps_in_one_process_share_the_compiled_catalogues():
    one, two = Translations.load("fr"), Translations.load("en")
    assert one.get("fr") is two.get("fr")
    assert one.get("xx") is one.get("fr") and two.get("xx") is two.get("en")
