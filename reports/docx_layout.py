"""The layout of an administrative document of Nghị định 30/2020/NĐ-CP (Phụ lục I), in python-docx:
A4 paper, the decree's margins, Times New Roman, the national motto and slogan beside the issuing
body, the number and symbol, place and date, the document type and summary line with their rules,
the body, and the recipients beside the signature block. What the document says is built elsewhere
(``reports.official``); this module only knows how an official document looks.

Sizes (Phụ lục I of the decree):

=====================================  ==========================================================
A4, margins                            top and bottom 20 mm, left 30 mm, right 15 mm (the decree
                                       allows 20–25 / 20–25 / 30–35 / 15–20)
national motto                         12 pt upright bold capitals; the slogan 13 pt bold, ruled
                                       underneath along its length
issuing body                           13 pt bold capitals, a rule of about a third under it
number and symbol, place and date      13 pt; the place and date 14 pt italic
document type, summary line            14 pt bold, centred; a rule under the summary line
body                                   14 pt, justified, first line indented 1.27 cm, 6 pt after
                                       each paragraph, line spacing 1.15
"Nơi nhận"                             12 pt bold italic; its lines 11 pt
authority, title and name of signer   14 pt bold capitals (the name in normal case)
page numbers                           14 pt, centred in the top margin, none on the first page
=====================================  ==========================================================

Tables in the body are 12 pt: the decree does not size tables, and eight columns of counts do not
fit the 165 mm of text at 14 pt (docs/DECISIONS.md "The official report").
"""

from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
LANGUAGE = "vi-VN"
BODY_PT = 14
TABLE_PT = 12
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_CM = (210 - MARGINS_MM["left"] - MARGINS_MM["right"]) / 10  # 16.5 cm
# The two columns of the heading and of the closing block (the decree's model documents).
LEFT_CM, RIGHT_CM = 6.2, TEXT_WIDTH_CM - 6.2
FIRST_LINE_INDENT = Cm(1.27)
RULE_PT = 4
# Where a clerk writes by hand: the number, the day and month, the proposals, the signer's name.
DOTS = "…" * 12

CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
# The elements that follow w:pBdr, w:lang and w:tblHeader in their parents (Word minds the schema's order).
_AFTER_BORDER = (
    *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct"),
    *("w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind"),
    *("w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment"),
    *("w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
)
_AFTER_LANGUAGE = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_CANT_SPLIT = (
    "w:trHeight",
    "w:tblHeader",
    "w:tblCellSpacing",
    "w:jc",
    "w:hidden",
    "w:ins",
    "w:del",
    "w:trPrChange",
)
_AFTER_TABLE_HEADER = ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange")


def new_document(*, title: str, author: str) -> Document:
    """An empty A4 document with the decree's margins, Times New Roman 14 pt in Vietnamese, and page
    numbers centred in the top margin from the second page on."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(10)
    section.different_first_page_header_footer = True
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE)
    normal.element.get_or_add_rPr().insert_element_before(language, *_AFTER_LANGUAGE)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _page_number(section.header.paragraphs[0])
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, author, author
    properties.language, properties.comments = LANGUAGE, ""
    return document


def _page_number(paragraph) -> None:
    paragraph.alignment = CENTER
    run = paragraph.add_run()
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def text(container, content: str = "", *, size: int = BODY_PT, bold=False, italic=False, align=None, upper=False):
    """A paragraph of one run (in the document or in a table cell)."""
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if content:
        run = paragraph.add_run(content.upper() if upper else content)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return paragraph


def rule(container, *, width_cm: float, available_cm: float):
    """A solid rule ``width_cm`` long, centred in ``available_cm``: the bottom border of an empty
    paragraph, indented from both sides (Word and LibreOffice both draw it, unlike a shape)."""
    paragraph = container.add_paragraph()
    side = max((available_cm - width_cm) / 2, 0)
    paragraph.paragraph_format.left_indent = Cm(side)
    paragraph.paragraph_format.right_indent = Cm(side)
    paragraph.paragraph_format.line_spacing = Pt(RULE_PT)
    mark = OxmlElement("w:rPr")  # the empty paragraph's height is its mark's: a tiny one
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(RULE_PT))  # half-points
    mark.append(size)
    paragraph._p.get_or_add_pPr().append(mark)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_BORDER)
    return paragraph


def _layout_table(document, widths_cm: list[float]):
    """A table without borders whose columns keep the given widths: the heading and closing blocks."""
    table = document.add_table(rows=1, cols=len(widths_cm))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, width in enumerate(widths_cm):
        table.columns[index].width = Cm(width)
        table.rows[0].cells[index].width = Cm(width)
    cells = table.rows[0].cells
    for cell in cells:  # a new cell holds one empty paragraph: reuse it as the first line
        cell._tc.remove(cell.paragraphs[0]._p)
    return cells


def national_heading(
    document, *, body: list[str], number: str, place_date: str, motto: str, slogan: str, superior: str = ""
) -> None:
    """The first block: the issuing body (under its superior, when it has one) with a rule and the
    number and symbol on the left; the national motto, the slogan with its rule, and place and date
    on the right."""
    left, right = _layout_table(document, [LEFT_CM, RIGHT_CM])
    if superior:
        text(left, superior, size=13, align=CENTER, upper=True)
    for line in body:
        text(left, line, size=13, bold=True, align=CENTER, upper=True)
    rule(left, width_cm=LEFT_CM / 3, available_cm=LEFT_CM)
    text(left, number, size=13, align=CENTER).paragraph_format.space_before = Pt(6)
    text(right, motto, size=12, bold=True, align=CENTER, upper=True)
    text(right, slogan, size=13, bold=True, align=CENTER)
    # The slogan's rule is as long as the slogan: 13 pt bold Times New Roman, about 0.225 cm a character.
    rule(right, width_cm=min(len(slogan) * 0.225, RIGHT_CM), available_cm=RIGHT_CM)
    text(right, place_date, size=BODY_PT, italic=True, align=CENTER).paragraph_format.space_before = Pt(6)


def document_title(document, *, kind: str, summary: str) -> None:
    """The document type (BÁO CÁO) and its summary line, centred in bold, with a rule under them."""
    text(document).paragraph_format.space_before = Pt(6)
    text(document, kind, bold=True, align=CENTER, upper=True)
    text(document, summary, bold=True, align=CENTER)
    rule(document, width_cm=TEXT_WIDTH_CM / 4, available_cm=TEXT_WIDTH_CM)
    text(document).paragraph_format.space_after = Pt(6)


def body(document, content: str, *, italic=False, bold=False, lead: str = "") -> None:
    """A paragraph of the body: justified, first line indented, 6 pt after; ``lead`` is a bold
    opening ("Đã hoàn thành: ...")."""
    paragraph = document.add_paragraph()
    paragraph.alignment = JUSTIFY
    fmt = paragraph.paragraph_format
    fmt.first_line_indent, fmt.space_after, fmt.line_spacing = FIRST_LINE_INDENT, Pt(6), 1.15
    if lead:
        run = paragraph.add_run(lead)
        run.bold, run.italic, run.font.size = True, italic, Pt(BODY_PT)
    run = paragraph.add_run(content)
    run.bold, run.italic, run.font.size = bold, italic, Pt(BODY_PT)
    return paragraph


def heading(document, content: str, *, upper: bool = False) -> None:
    """A heading of the body ("I. KẾT QUẢ ...", "1. Theo cấp"): bold, indented as the body, kept
    with what follows."""
    paragraph = body(document, content.upper() if upper else content, bold=True)
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(6)


def blanks(document, lines: int) -> None:
    """Dotted lines the clerk fills in (the proposals): a tab to the right margin led by dots, so
    that each is one line whatever the font."""
    for _ in range(lines):
        paragraph = body(document, "\t")
        paragraph.alignment = LEFT
        paragraph.paragraph_format.tab_stops.add_tab_stop(
            Cm(TEXT_WIDTH_CM - 0.05), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
        )


def header(label: str, *, cols: int = 1, rows: int = 1) -> tuple[str, int, int]:
    """A header cell of ``data_table`` spanning ``cols`` columns and ``rows`` header rows."""
    return (label, cols, rows)


def data_table(document, *, headers: list[list[tuple[str, int, int]]], rows: list[list[str]], widths_cm: list[float]):
    """A bordered table of ``TABLE_PT``: ``headers`` are rows of ``header()`` cells, repeated on
    every page (a cell spanning rows leaves its columns out of the rows under it); then the rows.
    Numbers are right-aligned, text left-aligned."""
    table = document.add_table(rows=len(headers) + len(rows), cols=len(widths_cm))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, width in enumerate(widths_cm):
        table.columns[index].width = Cm(width)
    taken: set[tuple[int, int]] = set()
    for row_index, cells in enumerate(headers):
        _repeat_header(table.rows[row_index])
        column = 0
        for label, cols, rows_spanned in cells:
            while (row_index, column) in taken:
                column += 1
            cell = table.cell(row_index, column)
            if (cols, rows_spanned) != (1, 1):
                cell = cell.merge(table.cell(row_index + rows_spanned - 1, column + cols - 1))
            taken.update(
                (r, c) for r in range(row_index, row_index + rows_spanned) for c in range(column, column + cols)
            )
            _cell_text(cell, label, bold=True, align=CENTER)
            column += cols
    for offset, values in enumerate(rows):
        cells = table.rows[len(headers) + offset].cells
        for index, value in enumerate(values):
            _cell_text(cells[index], value, align=RIGHT if index and _looks_numeric(value) else LEFT)
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = Cm(widths_cm[index])
    text(document).paragraph_format.space_after = Pt(6)
    return table


def _looks_numeric(value: str) -> bool:
    stripped = value.replace(".", "").replace(",", "").replace("%", "").replace("—", "").strip()
    return stripped.isdigit() or value == "—"


def _repeat_header(row) -> None:
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().insert_element_before(element, *_AFTER_TABLE_HEADER)


def _cell_text(cell, content: str, *, bold=False, align=LEFT) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    run = paragraph.add_run(content)
    run.bold, run.font.size = bold, Pt(TABLE_PT)


def closing(document, *, recipients_title: str, recipients: list[str], authority: list[str], signer: str) -> None:
    """The last block: "Nơi nhận" and its lines on the left; the signer's authority and title, room
    for the signature and seal, and the signer's name on the right."""
    text(document)
    left, right = _layout_table(document, [LEFT_CM, RIGHT_CM])
    # One block: the recipients and the signature are never split across two pages.
    cant_split = OxmlElement("w:cantSplit")
    left._tc.getparent().get_or_add_trPr().insert_element_before(cant_split, *_AFTER_CANT_SPLIT)
    text(left, recipients_title, size=12, bold=True, italic=True)
    for line in recipients:
        text(left, line, size=11)
    for line in authority:
        text(right, line, bold=True, align=CENTER, upper=True)
    for _ in range(4):
        text(right)
    text(right, signer, bold=True, align=CENTER)


def to_bytes(document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
