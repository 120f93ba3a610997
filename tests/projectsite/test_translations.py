"""The Vietnamese catalogue is complete, and the committed .mo says what the .po says."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def po_entries() -> list[dict]:
    """msgid, msgid_plural, msgstr/msgstr[0] and flags of every entry (a small PO reader)."""
    entries, entry, key = [], {"flags": ""}, None
    for line in [*PO.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": ""}, None
        elif line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            key = "msgstr" if key == "msgstr[0]" else key
            entry[key] = ast.literal_eval(value)
    return entries


def test_every_string_has_a_vietnamese_translation():
    entries = [e for e in po_entries() if e["msgid"]]
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == [], "run `make messages` and translate"


def test_the_compiled_catalogue_matches_the_po_file():
    with (PO.with_suffix(".mo")).open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in po_entries():
        if not entry["msgid"]:
            continue
        if "msgid_plural" in entry:
            got = compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1)
        else:
            got = compiled.gettext(entry["msgid"])
        if got != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert stale == [], "the .mo is older than the .po: run `make messages`"
