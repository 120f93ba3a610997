"""Reading a page as its reader does."""

import html
import re

# Tags that start a new line of text; any other tag (span, a, strong) adds no space, as in a browser.
BLOCKS = (
    "address|article|aside|blockquote|br|dd|div|dl|dt|fieldset|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre"
    "|section|table|tbody|td|tfoot|th|thead|tr|ul|option|select|label|button|input|textarea|title|head|body|html"
)


def visible_text(page: str | bytes) -> str:
    """The words a reader sees: no scripts, styles, tags or comments; entities decoded."""
    if isinstance(page, bytes):
        page = page.decode()
    page = re.sub(r"(?is)<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", page)
    page = re.sub(rf"(?is)</?(?:{BLOCKS})\b[^>]*>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", "", page)
    return re.sub(r"\s+", " ", html.unescape(page))
