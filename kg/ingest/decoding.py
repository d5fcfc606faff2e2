"""Bytes -> text: byte-order marks, binary sniffing, UTF-8, a declared charset, detection.

Part of :mod:`kg.ingest`; may import ``kg.errors`` (and the package's ``rules``) only.
The order is: a byte-order mark decides; a known binary signature or NUL bytes in the head
mean binary (unless the NULs are those of BOM-less UTF-16 Chinese text); strict UTF-8 (a
multi-byte character cut off at the very end is forgiven); the HTML ``<meta charset>``;
then charset-normalizer restricted to Chinese encodings.  Every legacy decoding must be
plausible: mostly CJK/ASCII/punctuation, its ideographs mostly common ones (GB2312 level 1
or Big5 level 1), so that mojibake is never passed on as Chinese.  GBK and GB2312 are read
as their superset GB18030.  Two last resorts and one last check:

* UTF-8 with a few invalid sequences (a stray Latin-1 byte, an encoded lone surrogate; at
  most one byte in 500), which no legacy codec reads plausibly either, is read with each
  bad byte as U+FFFD rather than losing the whole document;
* text whose ideographs are mostly rare ones and which turns back into UTF-8 Chinese when
  encoded as GB18030 or Big5 is the mojibake of a UTF-8 file read as GBK/Big5 and saved
  again (``娴峰叧`` for ``海关``): it is refused as "no Chinese text".
"""

from __future__ import annotations

import codecs
import functools
import re

from kg.errors import DocumentError
from kg.ingest.rules import CJK, CJK_CHARS, IngestRules

__all__ = ["declared_charset", "decode", "looks_like_html"]

_NOT_PLAUSIBLE = re.compile(
    f"[^\\t\\n\\x20-\\x7e\\u00a0-\\u00ff\\u2000-\\u206f\\u2100-\\u27bf\\u2e80-\\u2fdf"
    f"\\u3000-\\u303f\\u3200-\\u33ff{CJK_CHARS}\\ufe30-\\ufe4f\\uff00-\\uffef]"
)
_META_CHARSET = re.compile(
    rb"<(?:meta[^>]{0,200}?charset|\?xml[^>]{0,100}?encoding)"
    rb"""\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,30})""",
    re.IGNORECASE,
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CANDIDATES = ["gb18030", "big5", "cp950", "big5hkscs", "utf_16"]
_DETECTOR_ERRORS = (ValueError, LookupError, UnicodeError, RuntimeError, MemoryError)
_GB_ALIASES = frozenset({"gbk", "gb2312", "cp936", "hz", "euc_cn", "gb18030"})
_HEAD_BYTES = 8192
_SAMPLE_CHARS = 50_000
_MIN_BAD_UTF8 = 8  # invalid bytes a short UTF-8 file may hold (an encoded surrogate is 3)
_BYTES_PER_BAD_UTF8 = 500  # ... and one more per this many bytes of a longer one
_MOJIBAKE_SAMPLE = 1500  # characters checked for mojibake (its first lines show it)
_MOJIBAKE_MIN_CJK = 8  # fewer ideographs than this are never called mojibake
_MOJIBAKE_COMMON = 0.8  # real Chinese text: 0.99 of its ideographs are common ones
_MOJIBAKE_RESTORED = 0.25  # read as GBK: 3 bytes -> 1.5 characters -> 1 (Big5: 0.35)


def decode(data: bytes, where: str, rules: IngestRules, declared: str | None) -> tuple[str, str]:
    """Bytes -> (text, codec name): BOM, binary sniffing, UTF-8, declared, detection.

    Args:
        data: the file's bytes (not empty).
        where: the path, for error messages.
        rules: the compiled tables (``magic`` signatures).
        declared: the codec an HTML page declares, if any.

    Returns:
        The decoded text and the Python name of the codec used (``utf-8``,
        ``utf-8-sig``, ``utf-16-le``, ``gb18030``, ``big5`` ...).

    Raises:
        DocumentError: binary, undecodable, or plainly not Chinese.
    """
    text, codec = _decode(data, where, rules, declared)
    misread = _misread_as(text)
    if misread is not None:
        raise DocumentError(f"no Chinese text (mojibake: UTF-8 read as {misread} and saved "
                            "again)", path=where, hint="convert the original file instead")
    return text, codec


def _decode(data: bytes, where: str, rules: IngestRules, declared: str | None
            ) -> tuple[str, str]:
    """:func:`decode` without the mojibake check."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _try_codec(data[len(bom):], codec.removesuffix("-sig"))
            if text is None and codec == "utf-8-sig":
                text = _lenient_utf8(data[len(bom):])
            if text is None:
                raise DocumentError(f"undecodable text (invalid {codec} after its byte-order"
                                    " mark)", path=where)
            return text, codec
    for signature, name in rules.magic:
        if data.startswith(signature):
            raise DocumentError(f"binary file ({name})", path=where)
    if b"\x00" in data[:_HEAD_BYTES]:
        return _decode_nul(data, where)
    utf8 = _try_utf8(data)
    if utf8 is not None:
        return utf8, "utf-8"
    if declared is not None:
        text = _try_codec(data, declared)
        if text is not None and _plausible(text):
            return text, declared
    return _detect(data, where)


def _try_utf8(data: bytes) -> str | None:
    """Strict UTF-8, tolerating a multi-byte character cut off at the very end."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return data[: exc.start].decode("utf-8")
        return None


def _lenient_utf8(data: bytes) -> str | None:
    """UTF-8 with each invalid byte as U+FFFD, if there are at most one in 500 (or 8)."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    return text if bad <= max(_MIN_BAD_UTF8, len(data) // _BYTES_PER_BAD_UTF8) else None


def _misread_as(text: str) -> str | None:
    """The codec (``GBK``, ``Big5``) through which ``text`` is UTF-8 Chinese mis-read, if any.

    Real Chinese text has almost only common ideographs; mojibake has many rare ones, and
    encoding it back gives UTF-8 bytes of common ones.  Texts with few ideographs, or mostly
    common ones, are never checked further.
    """
    sample = text[:_MOJIBAKE_SAMPLE]
    ideographs = _ideograph_count(sample)
    if ideographs < _MOJIBAKE_MIN_CJK or _common_share(sample, ideographs) >= _MOJIBAKE_COMMON:
        return None
    for codec, name in (("gb18030", "GBK"), ("big5", "Big5")):
        restored = sample.encode(codec, "ignore").decode("utf-8", "ignore")
        count = _ideograph_count(restored)
        if (count >= _MOJIBAKE_RESTORED * ideographs
                and _common_share(restored, count) >= _MOJIBAKE_COMMON):
            return name
    return None


def _ideograph_count(text: str) -> int:
    """How many ideographs ``text`` holds (counted from the runs of other characters, which
    are few, rather than by making a string of each ideograph)."""
    return len(text) - sum(map(len, _NOT_IDEOGRAPHS.findall(text)))


def _common_share(text: str, ideographs: int) -> float:
    """The share of the ``ideographs`` ideographs of ``text`` that are common ones (see
    :func:`_common_ideographs`)."""
    return (ideographs - len(_rare_ideograph().findall(text))) / max(1, ideographs)


_NOT_IDEOGRAPHS = re.compile(f"[^{CJK_CHARS}]+")


@functools.cache
def _rare_ideograph() -> re.Pattern[str]:
    """Any ideograph but the common ones.  Real text has few, so finding them is quick."""
    common = sorted(map(ord, _common_ideographs()))
    spans, low = [], 0
    for point in [*common, 0x110000]:
        if point > low:
            spans.append(f"{re.escape(chr(low))}-{re.escape(chr(point - 1))}")
        low = point + 1
    return re.compile(f"(?=[{CJK_CHARS}])[{''.join(spans)}]")


def _try_codec(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_nul(data: bytes, where: str) -> tuple[str, str]:
    """NUL bytes: UTF-16 without a byte-order mark if either byte order reads as plausible
    text (the order the NULs point to first: ASCII gives NULs in its high bytes, but so does
    an ideograph such as 一 U+4E00 in its low byte), else binary."""
    head = data[:_HEAD_BYTES]
    odd, even = head[1::2].count(0), head[0::2].count(0)
    order = ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")
    whole = data[: len(data) - len(data) % 2]  # a last odd byte is a cut-off character
    for codec in order:
        text = _try_codec(whole, codec)
        if text is not None and CJK.search(text[:_SAMPLE_CHARS]) and _plausible(text):
            return text, codec
    raise DocumentError("binary file (NUL bytes)", path=where)


def _detect(data: bytes, where: str) -> tuple[str, str]:
    """charset-normalizer over Chinese encodings (the first plausible decoding wins), then
    UTF-8 with a few bad bytes."""
    import charset_normalizer

    try:
        matches = list(charset_normalizer.from_bytes(data, cp_isolation=_CANDIDATES))
    except _DETECTOR_ERRORS:  # the detector must not take the build down
        matches = []
    for match in matches:
        codec = _canonical_codec(match.encoding)
        text = _try_codec(data, codec)
        if text is not None and _plausible(text):
            return text, codec
    lenient = _lenient_utf8(data)
    if lenient is not None:
        return lenient, "utf-8"
    try:
        best = charset_normalizer.from_bytes(data[:_HEAD_BYTES]).best()
    except _DETECTOR_ERRORS:
        best = None
    if best is not None:
        raise DocumentError(f"no Chinese text (looks like {best.encoding})", path=where,
                            hint="kg reads Chinese documents only")
    raise DocumentError("undecodable text (not UTF-8, UTF-16, GB18030 or Big5)", path=where,
                        hint="convert the file to UTF-8")


def _canonical_codec(name: str) -> str:
    """Python's name for a codec; GBK and GB2312 become their superset GB18030."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return "gb18030" if canonical.replace("-", "_") in _GB_ALIASES else canonical


def declared_charset(head: bytes) -> str | None:
    """The charset an HTML head declares (``<meta charset>``, ``<?xml encoding>``).

    Args:
        head: the first few kilobytes of the page.

    Returns:
        The Python codec name (GBK and GB2312 as GB18030), or None.
    """
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    return _canonical_codec(match.group(1).decode("ascii", "replace").lower())


def looks_like_html(head: bytes) -> bool:
    """Whether the bytes start (after a BOM and white space) like an HTML page.

    Args:
        head: the first kilobyte or so.

    Returns:
        True for ``<!DOCTYPE html`` or ``<html`` in any case.
    """
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _plausible(text: str) -> bool:
    """Decoded text is mostly CJK/ASCII/punctuation, and its ideographs are common ones."""
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return False
    if len(_NOT_PLAUSIBLE.findall(sample)) > 0.05 * len(sample):
        return False
    ideographs = CJK.findall(sample)
    if not ideographs:
        return True
    common = _common_ideographs()
    return sum(1 for c in ideographs if c in common) >= 0.6 * len(ideographs)


@functools.cache
def _common_ideographs() -> frozenset[str]:
    """GB2312 level 1 (3755 simplified) and Big5 level 1 (5401 traditional) ideographs."""
    chars: set[str] = set()
    for codec, leads, trails in (
        ("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)),
        ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    ):
        for lead in leads:
            for trail in trails:
                try:
                    chars.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    pass
    return frozenset(c for c in chars if CJK.fullmatch(c))
