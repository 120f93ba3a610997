"""Reading a page as its reader does."""

import html
import re


def visible_text(page: str | bytes) -> str:
    """The words a reader sees: no scripts, styles, tags or comments; entities decoded."""
    if isinstance(page, bytes):
        page = page.decode()
    page = re.sub(r"(?is)<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))
