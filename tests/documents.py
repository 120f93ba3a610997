"""Reading a Word document as its reader does: its paragraphs in order (the body's, then each
table's cells), and its tables as rows of cell texts."""

from io import BytesIO

from docx import Document


def open_docx(content: bytes):
    return Document(BytesIO(content))


def paragraphs(document) -> list[str]:
    """The body's paragraphs, in order, without the tables."""
    return [p.text for p in document.paragraphs]


def tables(document) -> list[list[list[str]]]:
    """Each table as rows of its cells' texts (a merged cell repeated in each row it spans)."""
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def row_starting(document, first: str) -> list[str]:
    """The first table row whose first cell reads ``first``."""
    for table in tables(document):
        for row in table:
            if row[0] == first:
                return row
    raise AssertionError(f"no table row starts with {first!r}")
