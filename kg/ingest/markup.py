"""HTML -> text with BeautifulSoup (lxml), and the metadata a page carries.

Part of :mod:`kg.ingest`; may import ``kg.errors`` (and the package's ``rules`` and
``text``) only.  Comments and the tags listed as ``drop`` in ``html.tsv`` go with their
content, as do elements whose class or id matches a ``hide`` pattern (breadcrumbs, share
bars, footers of CMS templates).  White space collapses as a browser collapses it (except
in ``<pre>``), every ``block`` element is a line of its own, and empty lines are dropped.
The tree is walked once and never modified (bs4's insert/extract are linear in the number
of siblings, which made large flat pages quadratic).
The title comes from ``<meta name="ArticleTitle">``, else the first ``<h1>`` left, else
the first part of ``<title>``; date, publisher and creator from the ``meta`` rows.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

from kg.errors import DocumentError
from kg.ingest.rules import IngestRules
from kg.ingest.text import parse_date

if TYPE_CHECKING:
    from bs4 import BeautifulSoup
    from bs4.element import PageElement, Tag

__all__ = ["html_to_text"]

_SPACES = re.compile(r"[ \t\r\n\f]+")
_TITLE_SEPARATORS = re.compile(r"\s+[-|｜—–]+\s+|_|\|")


def html_to_text(markup: str, rules: IngestRules, where: str) -> tuple[str, dict[str, str]]:
    """HTML -> (text with one line per block, metadata from <meta>, <title> and <h1>).

    Args:
        markup: the decoded page.
        rules: the compiled tables (``html_*``).
        where: the path, for error messages.

    Returns:
        The page text and the fields found: ``title``, ``date``, ``publisher``,
        ``creator`` and ``page_title`` (the first part of ``<title>``), each if present.

    Raises:
        DocumentError: the markup cannot be parsed.
    """
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(markup, "lxml")
        meta = _html_meta(soup, rules)
        walker = _TextWalker(rules)
        walker.walk(soup.body if soup.body is not None else soup)
    except (RecursionError, ValueError, TypeError, AttributeError) as exc:
        raise DocumentError(f"unparsable HTML ({type(exc).__name__})", path=where) from None
    if walker.heading:
        meta.setdefault("title", walker.heading)
    return walker.text(), meta


def _html_meta(soup: BeautifulSoup, rules: IngestRules) -> dict[str, str]:
    """Fields from ``<meta name=… content=…>`` and the page ``<title>``'s first part."""
    named: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or tag.get("property") or "").strip().lower()
        content = " ".join(str(tag.get("content") or "").split())
        if name and content:
            named.setdefault(name, content)
    meta: dict[str, str] = {}
    for name, field in rules.html_meta:
        value = named.get(name.lower())
        if value and field not in meta:
            meta[field] = value
    if "date" in meta:
        iso = parse_date(meta.pop("date"))
        if iso:
            meta["date"] = iso
    if soup.title is not None:
        first = _TITLE_SEPARATORS.split(soup.title.get_text(" ", strip=True))[0].strip()
        if first:
            meta["page_title"] = first
    return meta


#: Elements that never hold a page's text, whatever is inside them.
_NEVER_PROSE = frozenset(("script", "style", "noscript", "template", "head", "svg", "canvas",
                          "object", "embed", "iframe", "audio", "video", "map", "select",
                          "textarea", "input", "button"))


def _prose(tag: Tag) -> bool:
    """Whether an element holds running text (several full stops): then it is the article,
    whatever its name says (many CMS put the article in <div id="zoom">, for the font-size
    buttons, or the whole page in an ASP.NET <form>), never furniture to remove."""
    return tag.get_text().count("。") >= _PROSE_STOPS


_PROSE_STOPS = 3


class _TextWalker:
    """One iterative pass over the tree, collecting text; skipped subtrees never entered."""

    def __init__(self, rules: IngestRules) -> None:
        self.rules = rules
        self.parts: list[str] = []
        self.pre = 0
        self.heading = ""
        self._heading_start: int | None = None

    def walk(self, root: PageElement) -> None:
        """Collect the text under ``root`` in document order."""
        from bs4.element import NavigableString, PreformattedString, Tag

        stack: list[tuple[PageElement, bool]] = [(root, True)]
        while stack:
            node, entering = stack.pop()
            if isinstance(node, Tag):
                if not entering:
                    self._leave(node)
                elif self._enter(node):
                    stack.append((node, False))
                    stack.extend((child, True) for child in reversed(node.contents))
            elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
                self.parts.append(str(node) if self.pre else _SPACES.sub(" ", str(node)))

    def _enter(self, tag: Tag) -> bool:
        """Start a tag; False when its subtree is to be skipped."""
        if (tag.name in self.rules.html_drop or self._hidden(tag)) and not (
                tag.name not in _NEVER_PROSE and _prose(tag)):
            return False
        if tag.name == "br":
            self.parts.append("\n")
            return False
        if tag.name in self.rules.html_block:
            self.parts.append("\n")
        if tag.name == "pre":
            self.pre += 1
        if tag.name == "h1" and not self.heading and self._heading_start is None:
            self._heading_start = len(self.parts)
        return True

    def _leave(self, tag: Tag) -> None:
        if tag.name in self.rules.html_block:
            self.parts.append("\n")
        if tag.name == "pre":
            self.pre -= 1
        if tag.name == "h1" and self._heading_start is not None:
            self.heading = " ".join("".join(self.parts[self._heading_start:]).split())
            self._heading_start = None

    def _hidden(self, tag: Tag) -> bool:
        """Whether the tag's id or one of its classes marks page furniture."""
        classes = tag.get("class")
        tokens = [*str(tag.get("id") or "").split(),
                  *(classes.split() if isinstance(classes, str) else classes or [])]
        return any(self.rules.html_hide.fullmatch(str(token)) for token in tokens)

    def text(self) -> str:
        """The collected text: one stripped line per block, empty lines dropped."""
        lines = (line.strip() for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)
