"""HTML -> text with BeautifulSoup (lxml), and the metadata a page carries.

Part of :mod:`kg.ingest`; may import ``kg.errors`` (and the package's ``rules`` and
``text``) only.  Comments and the tags listed as ``drop`` in ``html.tsv`` go with their
content, as do elements whose class or id matches a ``hide`` pattern (breadcrumbs, share
bars, footers of CMS templates).  White space collapses as a browser collapses it (except
in ``<pre>``), every ``block`` element is a line of its own, and empty lines are dropped.
The title comes from ``<meta name="ArticleTitle">``, else the first ``<h1>`` left, else
the first part of ``<title>``; date, publisher and creator from the ``meta`` rows.
"""

from __future__ import annotations

import re
import warnings

from kg.errors import DocumentError
from kg.ingest.rules import IngestRules
from kg.ingest.text import parse_date

__all__ = ["html_to_text"]


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
            _prune_html(soup, rules)
            heading = soup.find("h1")
            if heading is not None and heading.get_text(" ", strip=True):
                meta.setdefault("title", heading.get_text(" ", strip=True))
            return _html_lines(soup, rules), meta
    except (RecursionError, ValueError, TypeError, AttributeError) as exc:
        raise DocumentError(f"unparsable HTML ({type(exc).__name__})", path=where) from None


def _html_meta(soup: object, rules: IngestRules) -> dict[str, str]:
    """Fields from ``<meta name=… content=…>`` and the page ``<title>``'s first part."""
    from bs4 import BeautifulSoup

    assert isinstance(soup, BeautifulSoup)
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
        first = re.split(r"\s+[-|｜—–]+\s+|_|\|", soup.title.get_text(" ", strip=True))[0]
        if first.strip():
            meta["page_title"] = first.strip()
    return meta


def _prune_html(soup: object, rules: IngestRules) -> None:
    """Remove comments, dropped tags and elements whose class or id marks furniture."""
    from bs4 import BeautifulSoup
    from bs4.element import PreformattedString, Tag

    assert isinstance(soup, BeautifulSoup)
    for node in soup.find_all(string=lambda s: isinstance(s, PreformattedString)):
        node.extract()
    for tag in soup.find_all(list(rules.html_drop)):
        tag.decompose()
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.decomposed:
            continue
        tokens = [*str(tag.get("id") or "").split(), *_class_tokens(tag.get("class"))]
        if any(rules.html_hide.fullmatch(token) for token in tokens):
            tag.decompose()


def _class_tokens(value: object) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def _html_lines(soup: object, rules: IngestRules) -> str:
    """The page text: white space collapsed as a browser does, one line per block."""
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString

    assert isinstance(soup, BeautifulSoup)
    for node in soup.find_all(string=True):
        if isinstance(node, NavigableString) and node.find_parent("pre") is None:
            node.replace_with(re.sub(r"[ \t\r\n\f]+", " ", str(node)))
    for tag in soup.find_all(list(rules.html_block)):
        if tag.name == "br":
            tag.replace_with("\n")
        else:
            tag.insert_before("\n")
            tag.insert_after("\n")
    body = soup.body if soup.body is not None else soup
    lines = (line.strip() for line in body.get_text().split("\n"))
    return "\n".join(line for line in lines if line)
