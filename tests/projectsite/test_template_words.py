"""No English in a page a user reads: every word of the templates outside the admin goes through
{% translate %} or {% blocktranslate %} (whose English is the catalogue's source, translated)."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# The admin's templates extend Django's, for the staff only (tests/projectsite/test_beat_admin.py).
READ_BY_USERS = sorted(p for p in TEMPLATES.rglob("*.html") if TEMPLATES / "admin" not in p.parents)
# Words that are the same in Vietnamese.
NAMES = {"Excel", "PDF", "CSV", "DOCX", "XLSX", "PNG", "JPEG", "WEBP", "VNeID", "ID", "Email", "Ctrl"}
# Attributes that a reader (or a screen reader) gets as text.
READ_ATTRIBUTES = r"title|placeholder|alt|aria-label|data-bs-title"


def untranslated(source: str) -> list[str]:
    """The pieces of text of a template a reader gets that are not translated and contain a word."""
    text = re.sub(r"(?s)\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", " ", source)
    text = re.sub(r"(?s)\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", " ", text)
    text = re.sub(r"(?s)\{%.*?%\}|\{\{.*?\}\}", " ", text)  # translate tags, variables, logic
    text = re.sub(r"(?is)<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", text)
    pieces = re.findall(rf'\b(?:{READ_ATTRIBUTES})\s*=\s*"([^"]*)"', text)
    pieces += re.findall(r'<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"', text)
    pieces += re.sub(r"(?s)<[^>]*>", "\n", text).split("\n")
    found = []
    for piece in pieces:
        words = set(re.findall(r"[A-Za-z]{2,}", html.unescape(piece))) - NAMES
        if words:
            found.append(piece.strip())
    return found


def test_the_scan_finds_english_outside_translate_tags():
    source = """{% load i18n %}<h1>{% translate "Overview" %}</h1><p>Last updated</p>
    <input placeholder="Search"><input type="submit" value="Send">{% blocktranslate %}Hi {{ a }}{% endblocktranslate %}
    <nav aria-label="{% translate 'Breadcrumbs' %}">{{ unit.name }} · PDF</nav>"""
    assert untranslated(source) == ["Search", "Send", "Last updated"]


@pytest.mark.parametrize("template", READ_BY_USERS, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_a_template_users_read_has_no_untranslated_words(template):
    assert untranslated(template.read_text(encoding="utf-8")) == []
