"""Traditional script and pinyin glosses: text that the rules can read, the original kept.

Part of :mod:`kg.ingest`; may import nothing of kg but ``kg.ingest.rules``.

* **Traditional script** (Hong Kong, Macau and Taiwan portals, ``big5.`` mirrors of mainland
  sites): every rule, lexicon and pattern is written in simplified script, so the text is
  converted character by character with OpenCC's ``t2s`` table (a character maps to one
  character, so every span of the converted text is a span of the original, and the
  original's sentences can be given as evidence).  Phrase-level conversions that would
  change the length are not used.
* **Pinyin glosses**: spam mirrors insert the reading of characters after them, as in
  ``海關(guān)`` or ``濟(jì)南``; a parenthesised run of pinyin syllables right after an ideograph is
  not text and is removed before anything else reads it.
"""

from __future__ import annotations

import functools
import re

from kg.ingest.rules import CJK, CJK_CHARS

__all__ = ["drop_pinyin_glosses", "to_simplified"]

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_SYLLABLE = f"[a-z{_TONED}]{{1,6}}"
#: ``(guān)``, ``(jì)``, ``（shuì）``: one to three pinyin syllables with at least one tone
#: mark, in half- or full-width brackets, right after an ideograph.
_GLOSS = re.compile(
    f"(?<=[{CJK_CHARS}])[(（](?=[a-z{_TONED} ]*[{_TONED}]){_SYLLABLE}(?:\\s?{_SYLLABLE}){{0,2}}[)）]")
#: ``(zi)``, ``(zhuan)``: a gloss without tone marks, taken only where the page holds
#: toned ones too (a gloss-injected page), since ``(kg)`` may be real text elsewhere.
_BARE_GLOSS = re.compile(f"(?<=[{CJK_CHARS}])[(（][a-z]{{1,6}}[)）]")
_GLOSSED_PAGE = 2


def drop_pinyin_glosses(text: str) -> str:
    """``text`` without the pinyin glosses spam mirrors insert after characters.

    Args:
        text: decoded text.

    Returns:
        The text, glosses removed (``海關(guān)總署`` -> ``海關總署``).
    """
    if "(" not in text and "（" not in text:
        return text
    text, toned = _GLOSS.subn("", text)
    return _BARE_GLOSS.sub("", text) if toned >= _GLOSSED_PAGE else text


@functools.cache
def _converter() -> object | None:
    try:
        import opencc
    except ImportError:  # pragma: no cover - a dependency; without it, text stays as it is
        return None
    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=65536)
def _simplified(char: str) -> str:
    converter = _converter()
    if converter is None:  # pragma: no cover
        return char
    out = converter.convert(char)  # type: ignore[attr-defined]
    return out if len(out) == 1 else char


def to_simplified(text: str) -> str:
    """``text`` with each traditional ideograph replaced by its simplified form, one
    character for one (so spans stay spans), or ``text`` itself when it has none.

    Args:
        text: cleaned text.

    Returns:
        The simplified text, as long as ``text``.
    """
    converter = _converter()
    if converter is None or converter.convert(text) == text:  # type: ignore[attr-defined]
        return text  # most texts: one pass in C++ says there is nothing to convert
    table = {c: s for c in set(CJK.findall(text)) if (s := _simplified(c)) != c}
    if not table:
        return text
    return text.translate(str.maketrans(table))
