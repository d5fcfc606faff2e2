"""Ingest: input paths -> :class:`kg.doc.Document` objects, for real-world messy files.

May import ``kg.doc``, ``kg.resources`` and ``kg.errors`` only.  This package holds the
sorted walk over input paths and :func:`read_document`, which runs, per file:

* :mod:`kg.ingest.decoding`: byte-order marks, binary sniffing, strict UTF-8, the HTML
  ``<meta charset>``, then charset-normalizer restricted to Chinese encodings, with a
  plausibility check so that mojibake never passes for Chinese;
* :mod:`kg.ingest.markup`: HTML -> text with BeautifulSoup;
* :mod:`kg.ingest.text`: the cleanup of control characters, page furniture, trailing link
  blocks and OCR spaces, and the metadata found in the lines;
* :mod:`kg.ingest.rules`: the tables of ``kg/data/ingest/`` (``furniture.txt``,
  ``tail.txt``, ``metadata.tsv``, ``html.tsv``, ``magic.tsv``; each documents its format).

Choices worth knowing:

* ``Document.text`` is the cleaned text: LF line ends, no leading or trailing spaces on a
  line (U+3000 indents go), no zero-width or control characters, at most one blank line in
  a row, furniture lines dropped, and OCR stray spaces between Chinese characters removed
  on prose lines only (a line with sentence punctuation); a headline or a byline keeps its
  spaces.  Spaces between digits or Latin words and Chinese stay.  No NFKC: full-width
  punctuation stays as written.  It ends with one newline.  HTML gives one line per block.
* Lines that carry only metadata (``来源:… 更新时间:…``, a byline) stay in the text;
  furniture lines (``责任编辑：…``, copyright) are dropped but still read for metadata.
* A title made of a short label ending in a colon followed by a headline is joined with a
  full-width colon: ``上海海关:`` + ``党建引领促发展 凝心聚力强担当`` ->
  ``上海海关：党建引领促发展 凝心聚力强担当``.  A long first line gives its first
  sentence (at most 80 characters).
* Valid UTF-8 wins over an HTML ``<meta charset>`` that says otherwise (a wrong
  declaration is far more common than GBK bytes that happen to be valid UTF-8).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from kg.doc import Document, DocumentMeta
from kg.errors import DocumentError, InputError
from kg.ingest.decoding import declared_charset, decode, looks_like_html
from kg.ingest.markup import html_to_text
from kg.ingest.rules import CJK, CJK_CHARS, IngestRules, MetaPattern, load_rules
from kg.ingest.script import drop_pinyin_glosses, to_simplified
from kg.ingest.text import clean, metadata, normalize_characters

__all__ = [
    "ASSIGNS",
    "DEFAULT_MAX_BYTES",
    "IngestRules",
    "MIN_CJK",
    "MetaPattern",
    "REQUIRES",
    "Survey",
    "TEXT_SUFFIXES",
    "document_id",
    "find_documents",
    "load_rules",
    "read_document",
    "survey",
]

REQUIRES: tuple[str, ...] = ()
ASSIGNS: tuple[str, ...] = ("id", "path", "text", "meta", "source_text")

#: Suffixes kept when walking a directory (compared case-insensitively).
TEXT_SUFFIXES: frozenset[str] = frozenset({".txt", ".text", ".html", ".htm", ".xhtml",
                                           ".shtml"})
#: Files larger than this are refused (a limit, not a performance need: 5 MB reads fast).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: A document needs at least this many CJK ideographs once cleaned.
MIN_CJK = 5

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
_ID_UNSAFE = re.compile(f"[^0-9A-Za-z_.\\-{CJK_CHARS}]")


@dataclass(frozen=True, slots=True)
class Survey:
    """What a walk over the inputs found: the documents to read, and every other path met
    on the way with the reason it is not read (``(path, reason, blocking)``; ``blocking``
    is True where the path may hide a document: a dangling link, an unreadable folder)."""

    documents: tuple[Path, ...]
    ignored: tuple[tuple[Path, str, bool], ...] = ()


#: Suffixes of files that kg cannot read yet, and what would read them.
_UNREAD_KINDS: dict[str, str] = {
    ".pdf": "PDF is not read yet: convert it to text first (pdftotext FILE.pdf)",
    ".docx": "Word files are not read yet: save it as text (.txt) first",
    ".doc": "Word files are not read yet: save it as text (.txt) first",
    ".wps": "WPS files are not read yet: save it as text (.txt) first",
    ".xlsx": "spreadsheets are not read yet: save the sheet as text first",
    ".xls": "spreadsheets are not read yet: save the sheet as text first",
    ".et": "spreadsheets are not read yet: save the sheet as text first",
    ".png": "images are not read yet (no OCR): give a text version",
    ".jpg": "images are not read yet (no OCR): give a text version",
    ".jpeg": "images are not read yet (no OCR): give a text version",
    ".tif": "images are not read yet (no OCR): give a text version",
    ".tiff": "images are not read yet (no OCR): give a text version",
}


def find_documents(paths: Sequence[str | Path]) -> list[Path]:
    """Expand files and directories into the sorted list of documents to read.

    The documents of :func:`survey`; see there.

    Raises:
        InputError: a path does not exist or is neither a file nor a directory.
    """
    return list(survey(paths).documents)


def survey(paths: Sequence[str | Path], exclude: Sequence[str | Path] = ()) -> Survey:
    """Walk the inputs: the documents to read, and every other path met with its reason.

    Directories are walked recursively, keeping files whose suffix is in
    :data:`TEXT_SUFFIXES` (any case); hidden files and directories (``.git``, ``.cache``)
    and the directories in ``exclude`` (a build's own output) are passed over; every other
    file is listed as ignored with what would read it, and so are dangling links and
    folders that cannot be read.  A file named explicitly is read whatever its suffix.
    Duplicates (the same file reached twice) are removed; both lists are sorted by POSIX
    path string.

    Args:
        paths: files and/or directories.
        exclude: directories not to walk into.

    Returns:
        The survey.

    Raises:
        InputError: a path does not exist or is neither a file nor a directory.
    """
    found: dict[str, Path] = {}
    ignored: dict[str, tuple[Path, str, bool]] = {}
    skip = {os.path.realpath(d) for d in exclude}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates: Iterator[Path] | list[Path] = _walk(path, skip, ignored)
        elif path.is_file():
            candidates = [path]
        elif path.is_symlink():
            raise InputError("dangling symbolic link", path=str(raw),
                             hint="the file it points to does not exist")
        elif path.exists():
            raise InputError("not a regular file or directory", path=str(raw),
                             hint="name text or HTML files, or directories holding them")
        else:
            raise InputError("no such file or directory", path=str(raw),
                             hint="check the path")
        for candidate in candidates:
            key = os.path.realpath(candidate)
            if key not in found or candidate.as_posix() < found[key].as_posix():
                found[key] = candidate
    return Survey(tuple(sorted(found.values(), key=lambda p: p.as_posix())),
                  tuple(sorted(ignored.values(), key=lambda row: row[0].as_posix())))


def _walk(directory: Path, skip: set[str],
          ignored: dict[str, tuple[Path, str, bool]]) -> Iterator[Path]:
    """Regular files under ``directory`` with a text suffix; what else is met goes into
    ``ignored``."""
    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else directory
        ignored[str(where)] = (where, "cannot read directory "
                               f"({exc.strerror or type(exc).__name__})", True)

    for current, dirnames, filenames in os.walk(directory, onerror=unreadable,
                                                followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and os.path.realpath(Path(current) / d) not in skip)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(current) / name
            if not path.is_file():
                if path.is_symlink() and not path.exists():
                    ignored[str(path)] = (path, "dangling symbolic link", True)
                continue
            if path.suffix.lower() in TEXT_SUFFIXES:
                yield path
            else:
                ignored[str(path)] = (path, _unread_reason(path), False)


def _unread_reason(path: Path) -> str:
    """Why a file met in a directory is not read, and what would read it."""
    suffix = path.suffix.lower()
    known = _UNREAD_KINDS.get(suffix)
    if known is not None:
        return f"not read ({suffix}): {known}"
    kinds = ", ".join(sorted(TEXT_SUFFIXES))
    what = f"({suffix})" if suffix else "(no suffix)"
    return (f"not a document kind kg reads {what}: kg reads {kinds}; "
            "name the file explicitly to read it as text")


def document_id(path: Path, root: Path | None = None) -> str:
    """The document id: the file name without extension, made IRI-safe.

    Characters other than CJK ideographs, ASCII letters and digits, ``_``, ``-`` and ``.``
    become ``_``.  When ``root`` is given and the file lies in a subdirectory of it, the
    relative directories are prefixed, joined by ``_`` (``sub/dir/name.txt`` ->
    ``sub_dir_name``), so that ids stay unique across directories.

    Args:
        path: the document's path.
        root: the directory the document was found under, if any.

    Returns:
        A non-empty id.
    """
    parts: tuple[str, ...] = (path.stem,)
    if root is not None:
        try:
            rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
            parts = (*rel.parent.parts, path.stem)
        except ValueError:
            pass
    return _ID_UNSAFE.sub("_", "_".join(p for p in parts if p not in ("", "."))) or "_"


def read_document(
    path: Path, *, root: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Read one file into a :class:`~kg.doc.Document` with cleaned text and metadata.

    Args:
        path: a text or HTML file.
        root: the directory it was found under, for :func:`document_id`.
        max_bytes: files larger than this are refused.

    Returns:
        The document; ``meta.encoding`` names the codec the bytes were decoded with.

    Raises:
        DocumentError: the file cannot be read, is empty, binary, undecodable, too large,
            or holds fewer than five Chinese characters once cleaned.
    """
    path = Path(path)
    where = str(path)
    rules = load_rules()
    data = _read_bytes(path, max_bytes)
    is_html = path.suffix.lower() in _HTML_SUFFIXES or looks_like_html(data[:1024])
    raw, encoding = decode(data, where, rules, declared_charset(data[:4096]) if is_html else None)
    if not raw.strip():
        raise DocumentError("empty document (only white space)", path=where)
    # bytes no codec could read, each read as U+FFFD (see kg.ingest.decoding); counted so
    # that the report says the text is not quite the file's
    replaced = (raw.count("\ufffd") - data.count("\ufffd".encode())
                if encoding.startswith("utf-8") else 0)
    raw = normalize_characters(raw)
    html_meta: dict[str, str] = {}
    if is_html or looks_like_html(raw[:1024].encode("utf-8", "replace")):
        is_html = True
        raw, html_meta = html_to_text(raw, rules, where)
    text, dropped = clean(drop_pinyin_glosses(raw), rules)
    _require_chinese(text, where)
    # rules read simplified script; the original stays for evidence and aliases
    simplified = to_simplified(text)
    original, text = ("", text) if simplified == text else (text, simplified)
    meta = metadata(text.split("\n"), [to_simplified(line) for line in dropped], rules,
                    html_meta)
    if original:
        meta = {k: _as_written(v, text, original) for k, v in meta.items()}
    return Document(
        id=document_id(path, root), path=where, text=text, source_text=original,
        meta=DocumentMeta(title=meta.get("title", ""), date=meta.get("date"),
                          publisher=meta.get("publisher"), creator=meta.get("creator"),
                          encoding=encoding,
                          media_type="text/html" if is_html else "text/plain",
                          replaced=max(0, replaced)),
    )


def _as_written(value: str | None, simplified: str, original: str) -> str | None:
    """A metadata value read from the simplified text, as the original writes it (the two
    texts match character for character); a value not found in the text stays as it is."""
    if not value:
        return value
    at = simplified.find(value)
    return original[at:at + len(value)] if at >= 0 else value


def _require_chinese(text: str, where: str) -> None:
    """Raise DocumentError unless ``text`` holds at least :data:`MIN_CJK` ideographs."""
    found = sum(1 for _ in islice(CJK.finditer(text), MIN_CJK))
    if found < MIN_CJK:
        raise DocumentError(f"no Chinese text ({found} CJK characters, need {MIN_CJK})",
                            path=where, hint="kg reads Chinese documents only")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, or a DocumentError naming why they cannot be had."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"file too large ({size} bytes, limit {max_bytes})",
                                path=str(path), hint="split the document")
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read file ({exc.strerror or type(exc).__name__})",
                            path=str(path)) from None
    if not data:
        raise DocumentError("empty file", path=str(path))
    return data
