"""The French catalogue is edited by hand (web/locale/fr/LC_MESSAGES/messages.po, after
`make messages`): every user-facing string of web/ must have its French there."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]


def test_every_string_of_the_web_layer_has_its_french_in_the_catalogue():
    # Given the French catalogue
    with open(ROOT / "web/locale/fr/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale="fr")
    # When extracting every message of web/ as `make messages` does (babel.cfg)
    extracted = extract_from_dir(str(ROOT / "web"), METHODS,
                                 keywords={"_": None, "ngettext": (1, 2)})
    missing = set()
    count = 0
    for _path, _line, msgid, _comments, _context in extracted:
        count += 1
        key = msgid if isinstance(msgid, str) else msgid[0]
        message = catalog.get(key)
        strings = () if message is None else (
            message.string if isinstance(message.string, tuple) else (message.string,))
        if not strings or not all(strings) or (message is not None and message.fuzzy):
            missing.add(key)
    # Then there are messages, and none is left untranslated (nor fuzzy: never compiled)
    assert count > 500
    assert sorted(missing) == []
