"""Refresh the catalogues and fill French msgstrs from a {msgid: msgstr} dict in a Python file.

Usage: python tools/fill_translations.py FILE.py [FILE.py ...]   (each FILE defines FR = {...};
later files win on a shared msgid); prints what is still untranslated. Run by hand after
`make messages`; never at run time."""
from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po

PO = "web/locale/fr/LC_MESSAGES/messages.po"


def main(*paths: str) -> int:
    fr = {}
    for path in paths:
        fr.update(runpy.run_path(path)["FR"])
    with open(PO, "rb") as f:
        catalog = read_po(f, locale="fr")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else tuple(message.id)
        if key in fr:
            value = fr[key]
            message.string = value if isinstance(value, str) else tuple(value) + (value[-1],) * (
                catalog.num_plurals - len(value))
            # pybabel update marks a msgid that changed shape (singular <-> plural) fuzzy, and
            # fuzzy entries never reach the compiled catalogue: ours is reviewed, so clear it.
            message.flags.discard("fuzzy")
        if (not message.string or (isinstance(message.string, tuple) and not all(message.string))
                or "fuzzy" in message.flags):
            missing.append(message.id)
    with open(PO, "wb") as f:
        write_po(f, catalog, width=100, ignore_obsolete=True)
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
