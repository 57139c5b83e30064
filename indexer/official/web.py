"""An official text published as a web page: its main text only.

Scripts, styles, templates, navigation, headers, footers, asides, forms, dialogs and cookie or
consent banners go; what is left of <main> (else <article>, else <body>) is cut into paragraphs
at block elements (p, h1-h6, li, blockquote, div, ...) and at double <br>. Beautiful Soup's
html.parser backend: nothing to compile, and it copes with the tag soup portals publish.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from .texts import OfficialText, Paragraph, normalise_space

DROPPED_TAGS = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside",
                "form", "button", "select", "iframe", "svg", "dialog"]
DROPPED_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog",
                 "alertdialog"}
BANNER_NAMES = re.compile(r"cookie|consent|gdpr|breadcrumb|skip-?link", re.I)
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "div", "section",
          "article", "main", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th",
          "figure", "figcaption", "pre", "address", "body", "html"}
SOURCE_SPACE = re.compile(r"[ \t\n\r\f\v]+")
NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)


def read_html(content: str) -> OfficialText:
    """The main text of a page; an empty result is refused by the caller, like any format's."""
    soup = BeautifulSoup(content, "html.parser")
    title = normalise_space(soup.title.get_text()) if soup.title else ""
    for element in soup.find_all(DROPPED_TAGS) + soup.find_all(is_boilerplate):
        if not element.decomposed:  # not already gone with a dropped ancestor
            element.decompose()
    root = (soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article")
            or soup.body or soup)
    chunks: list[str] = []
    collect(root, chunks)
    paragraphs = [normalise_space(part) for chunk in chunks
                  for part in re.split(r"\n[^\S\n]*\n", chunk)]
    return OfficialText([Paragraph(text) for text in paragraphs if text], "html", title)


def is_boilerplate(element: Tag) -> bool:
    if element.get("role") in DROPPED_ROLES or element.has_attr("hidden"):
        return True
    if element.get("aria-hidden") == "true":
        return True
    names = " ".join([element.get("id") or "", *element.get("class", [])])
    return bool(BANNER_NAMES.search(names))


def collect(element: Tag, chunks: list[str]) -> None:
    """Append the text of `element` to `chunks`, a new chunk at every block boundary.

    Inline text accumulates in the last chunk; a <br> is a newline, so two of them in a row
    make a paragraph break (split by the caller)."""
    if not chunks:
        chunks.append("")
    for child in element.children:
        if isinstance(child, NOT_TEXT):
            continue
        if isinstance(child, NavigableString):
            chunks[-1] += SOURCE_SPACE.sub(" ", str(child))  # newlines in the source mean nothing
        elif isinstance(child, Tag):
            if child.name == "br":
                chunks[-1] += "\n"
            elif child.name in BLOCKS:
                chunks.append("")
                collect(child, chunks)
                chunks.append("")
            else:
                collect(child, chunks)
