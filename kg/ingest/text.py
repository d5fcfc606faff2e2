"""Text cleanup (control characters, furniture, trailing link blocks, OCR spaces) and
the metadata read from the cleaned lines.

Part of :mod:`kg.ingest`; may import the package's ``rules`` only.  See the package
docstring for what the cleaned text looks like.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from itertools import islice

from kg.ingest.rules import CJK_CHARS, CJK_PUNCT, IngestRules

__all__ = ["clean", "iso_date", "metadata", "normalize_characters", "parse_date"]

# One stray space between two CJK characters or CJK punctuation marks, after an ASCII
# comma-like mark that follows a CJK character ("试验区, 再到"), or between a CJK character
# and an ASCII double quote used as a Chinese one ("讲政治的 "高线"").  Digits and Latin
# words keep their spaces.
_STRAY_SPACE = re.compile(
    f"(?<![0-9０-９][日月])"  # 3月8日　武宿海关…: a chronicle's date stays apart from its entry
    f"(?:(?:(?<=[{CJK_CHARS}{CJK_PUNCT}])|(?<=[{CJK_CHARS}][,;:!?])|(?<=\"))"
    f"[ \\u00a0\\u3000](?=[{CJK_CHARS}{CJK_PUNCT}])"
    f"|(?<=[{CJK_CHARS}])[ \\u00a0\\u3000](?=\"))"
)
_SPACES = re.compile("[ \u00a0\u3000]")  # what _STRAY_SPACE removes: none, nothing to do
_PROSE_MARK = re.compile(r"[，。；！？、,;!?]")
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_MAX_FURNITURE_LEN = 200
_MAX_META_LEN = 80
_HEAD_LINES = 12
_END_LINES = 50
_TAIL_WINDOW = 30
_TAIL_LINE_LEN = 80
# Characters deleted from every text: C0/C1 controls except \t and \n, zero-width
# characters, bidi controls, BOMs and soft hyphens.  Vertical tab, form feed and the
# Unicode line/paragraph separators become line breaks; CR and CRLF become LF.
_DELETE = [*range(0x09), *range(0x0E, 0x1C), 0x1F, *range(0x7F, 0x85),
           *range(0x86, 0xA0), 0xAD, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
           *range(0x2060, 0x2065), 0xFEFF, 0xFFFE, 0xFFFF]
_TRANSLATE: dict[int, str | None] = {c: None for c in _DELETE}
_TRANSLATE.update({c: "\n" for c in (0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)})
_INVISIBLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _TRANSLATE) + "]")


def normalize_characters(raw: str) -> str:
    """LF line ends; control, zero-width and bidi characters removed (tabs kept).

    Args:
        raw: decoded text.

    Returns:
        The text with CR/CRLF, VT, FF, U+2028/9 as LF and invisible characters deleted.
    """
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    # str.translate looks up every character; most texts hold none of these at all
    return raw.translate(_TRANSLATE) if _INVISIBLE.search(raw) else raw


def parse_date(value: str) -> str | None:
    """The first ``YYYY-MM-DD``-like date in ``value`` (also ``2019年3月5日``), as ISO.

    Args:
        value: any text, e.g. the content of ``<meta name="PubDate">``.

    Returns:
        ``YYYY-MM-DD``, or None when there is no valid date.
    """
    parts = _ISO_DATE.search(value)
    return iso_date(*parts.groups()) if parts else None


def clean(raw: str, rules: IngestRules) -> tuple[str, list[str]]:
    """Normalised, furniture-free, OCR-repaired text, plus the furniture lines dropped.

    Args:
        raw: decoded text (or the text of an HTML page), control characters removed.
        rules: the compiled tables (``furniture``, ``tail``).

    Returns:
        The cleaned text (ending with one newline, or empty) and the dropped lines.
    """
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    cut = _tail_start(lines, rules)
    dropped = [line for line in lines[cut:] if line]
    kept: list[str] = []
    for line in lines[:cut]:
        if line and len(line) <= _MAX_FURNITURE_LEN and rules.furniture.fullmatch(line):
            dropped.append(line)
        elif line and _PROSE_MARK.search(line) and _SPACES.search(line):
            kept.append(_STRAY_SPACE.sub("", line))
        else:
            kept.append(line)
    text = _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip("\n")
    return (text + "\n" if text else ""), dropped


def _tail_start(lines: list[str], rules: IngestRules) -> int:
    """Where a trailing related-links block starts (``len(lines)`` when there is none)."""
    filled = [i for i, line in enumerate(lines) if line]
    first = max(1, len(filled) // 2, len(filled) - _TAIL_WINDOW)
    for rank in range(first, len(filled)):
        index = filled[rank]
        line = lines[index]
        if len(line) <= _TAIL_LINE_LEN and rules.tail.fullmatch(line) and all(
            len(lines[j]) <= _TAIL_LINE_LEN for j in filled[rank + 1:]
        ):
            return index
    return len(lines)


def metadata(
    lines: list[str], dropped: list[str], rules: IngestRules, html_meta: dict[str, str]
) -> dict[str, str]:
    """Title, date, publisher and creator: ``<meta>`` tags first, then the text's lines.

    Args:
        lines: the lines of the cleaned text.
        dropped: the furniture lines cleanup removed (copyright, editor, ...).
        rules: the compiled tables; ``rules.metadata`` rows are tried in file order.
        html_meta: what the HTML page said (``title``, ``date``, ..., ``page_title``).

    Returns:
        ``title`` (always) and whichever of ``date``, ``publisher``, ``creator`` were found.
    """
    title, title_end = _title(lines, rules)
    filled = [(i, line) for i, line in enumerate(lines) if line]
    ends = filled if len(filled) <= 2 * _END_LINES else filled[:_END_LINES] + filled[-_END_LINES:]
    pools = {
        "head": _short(line for _, line in filled[:_HEAD_LINES]),
        "after_title": _short([line for i, line in filled if i > title_end][:2]),
        "any": _short([*(line for _, line in ends), *dropped]),
    }
    found: dict[str, str] = {k: v for k, v in html_meta.items() if k != "page_title"}
    for pattern in rules.metadata:
        for line in pools[pattern.scope]:
            match = pattern.regex.search(line)
            if match is not None and _apply(match, found):
                break
    if "title" not in found:
        found["title"] = html_meta.get("page_title") or title
    return found


def _short(lines: Iterable[str]) -> list[str]:
    """The lines short enough to carry metadata (a prose paragraph never does)."""
    return [line for line in lines if len(line) <= _MAX_META_LEN]


def _apply(match: re.Match[str], found: dict[str, str]) -> bool:
    """Copy a match's groups into ``found`` (first value wins); False if it gave nothing."""
    groups = {k: v for k, v in match.groupdict().items() if v}
    useful = False
    if "year" in groups:
        iso = iso_date(groups["year"], groups.get("month"), groups.get("day"))
        if iso is not None:
            found.setdefault("date", iso)
            useful = True
    for field in ("publisher", "creator"):
        value = groups.get(field, "").strip(" \u3000:：,，、;；()（）[]【】\"“”")
        if value:
            found.setdefault(field, value)
            useful = True
    return useful


def iso_date(year: str, month: str | None, day: str | None) -> str | None:
    """``YYYY-MM-DD`` (or ``YYYY-MM``, ``YYYY``) if the parts make a real date.

    Args:
        year: four digits.
        month: one or two digits, or None.
        day: one or two digits, or None (ignored without a month).

    Returns:
        The ISO date, or None for an impossible one (2019-02-30).
    """
    try:
        if month and day:
            return date(int(year), int(month), int(day)).isoformat()
        if month:
            return date(int(year), int(month), 1).isoformat()[:7]
        return f"{int(year):04d}"
    except ValueError:
        return None


def _title(lines: list[str], rules: IngestRules) -> tuple[str, int]:
    """The first non-metadata line (a ``label:`` line joined with its headline).

    Returns:
        The title and the index of the last line it was taken from (-1 if none).
    """
    candidates = (i for i, line in enumerate(lines) if line and not _is_meta_line(line, rules))
    filled = list(islice(candidates, 2))
    if not filled:
        return "", -1
    first = filled[0]
    label = lines[first].rstrip(":：").strip()
    if lines[first][-1] in ":：" and len(label) <= 12 and len(filled) > 1:
        nxt = lines[filled[1]]
        if len(nxt) <= 40 and not _SENTENCE_END.search(nxt):
            return f"{label}：{nxt.rstrip(':：').strip()}", filled[1]
    return _shorten(label or lines[first]), first


def _is_meta_line(line: str, rules: IngestRules) -> bool:
    return len(line) <= _MAX_META_LEN and any(
        p.scope != "after_title" and p.regex.search(line) for p in rules.metadata
    )


def _shorten(line: str) -> str:
    """A long first line (no headline) gives its first sentence, at most 80 characters."""
    if len(line) <= 80:
        return line
    end = _SENTENCE_END.search(line, 0, 80)
    return line[: end.start()] if end and end.start() >= 5 else line[:80]
