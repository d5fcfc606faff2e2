"""Reading SPARQL text before pyoxigraph runs it: what may reach the network, and what a
syntax error most likely is.

Part of :mod:`kg.query`; may import ``kg.errors`` and :mod:`kg.query.results`.
:func:`tokens` splits a query the way the SPARQL 1.1 grammar does (IRIs, strings,
comments, variables, prefixed names, words, punctuation), so that a word inside a string,
a comment or an IRI is never taken for a keyword.  :func:`refuse_network` refuses ``SERVICE`` (and an update's ``LOAD``), which
pyoxigraph would send over HTTP, unless allowed.  :func:`explain_syntax_error` turns
pyoxigraph's parser message (``error at 1:29: expected one of …``, the grammar's whole
alternative list) into one line that names the likeliest mistake, followed by the query
line with a caret under the place: a :class:`QuerySyntaxError`.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kg.errors import QueryError
from kg.query.results import display_width as _width

__all__ = [
    "QuerySyntaxError",
    "Token",
    "caret_display",
    "explain_syntax_error",
    "refuse_network",
    "tokens",
]

# ------------------------------------------------------------------- tokens

# The character classes of the SPARQL 1.1 grammar (section 19.8).
_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
         "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf"
         "\ufdf0-\ufffd\U00010000-\U000effff")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PREFIX = "[" + _BASE + "](?:[" + _CHARS + ".]*[" + _CHARS + "])?"
_LOCAL = ("(?:[" + _U + ":0-9]|" + _PLX + ")(?:(?:[" + _CHARS + ".:]|" + _PLX + ")*(?:["
          + _CHARS + ":]|" + _PLX + "))?")
_VARNAME = "[" + _U + "0-9][" + _U + r"0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_EXPONENT = "[eE][+-]?[0-9]+"

_TOKEN = re.compile("|".join([
    r"(?P<space>[ \t\r\n]+)",  # SPARQL's white space only: U+3000 or U+00A0 is an error
    r"(?P<comment>#[^\n]*)",
    r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
    (r"(?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\""
    r"|'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\")"),
    r"(?P<open>'''|\"\"\"|'|\")",  # a string that is never closed
    "(?P<var>[?$]" + _VARNAME + ")",
    "(?P<bnode>_:[" + _U + "0-9](?:[" + _CHARS + ".]*[" + _CHARS + "])?)",
    "(?P<pname>(?:" + _PREFIX + ")?:(?:" + _LOCAL + ")?)",
    r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?)",
    "(?P<number>[0-9]+\\.[0-9]*" + _EXPONENT + "|\\.?[0-9]+" + _EXPONENT
    + "|[0-9]*\\.[0-9]+|[0-9]+)",
    "(?P<word>[" + _U + "][" + _U + "0-9]*)",
    r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|<<\(|\)>>|<<|>>|\{\||\|\}|[{}()\[\].,;*+\-/!|^=<>?~$])",
    r"(?P<bad>.)",
]), re.DOTALL)


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a query.

    Attributes:
        kind: ``iri``, ``string``, ``open`` (an unclosed quote), ``var``, ``bnode``,
            ``pname``, ``lang``, ``number``, ``word`` (a keyword or a bare name),
            ``punct`` or ``bad`` (a character SPARQL has no use for).
        text: the token as written.
        start: its offset in the query text.
    """

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        """The offset just past the token."""
        return self.start + len(self.text)


def tokens(sparql: str) -> list[Token]:
    """The tokens of a query, without white space and comments.

    An unclosed quote gives an ``open`` token and the rest of the text is not read.

    Args:
        sparql: the query text.

    Returns:
        The tokens in order.
    """
    found: list[Token] = []
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup or "bad"
        if kind in ("space", "comment"):
            continue
        found.append(Token(kind, match.group(), match.start()))
        if kind == "open":
            break
    return found


def _is_word(token: Token, *words: str) -> bool:
    return token.kind == "word" and token.text.upper() in words


# ------------------------------------------------------------ the network


def refuse_network(sparql: str, *, allow_service: bool = False) -> None:
    """Refuse what would make pyoxigraph send a request: ``SERVICE`` anywhere in the
    query (any case, at any depth) and ``LOAD`` in an update.

    The words count only as keywords: in a string, a comment, an IRI, a prefixed name or
    a variable they are data.

    Args:
        sparql: the query or update text.
        allow_service: let them through.

    Raises:
        QueryError: the text uses SERVICE or LOAD and ``allow_service`` is False.
    """
    if allow_service:
        return
    found = tokens(sparql)
    for index, token in enumerate(found):
        if not _is_word(token, "SERVICE", "LOAD"):
            continue
        following = [t for t in found[index + 1:index + 3] if not _is_word(t, "SILENT")]
        target = following[0].text if following else "an endpoint"
        line, column = _line_column(sparql, token.start)
        where = f"(line {line}, column {column})"
        if token.text.upper() == "SERVICE":
            raise QueryError(f"SERVICE refused: the query would send a request to {target} "
                             f"{where}; kg query reads the local build only", path="query",
                             hint="pass --allow-service to let it reach remote endpoints")
        raise QueryError(f"LOAD refused: the update would fetch {target} over the network "
                         f"{where}", path="query", hint="pass --allow-service to allow it")


# ----------------------------------------------------------- syntax errors


class QuerySyntaxError(QueryError):
    """A malformed query: one line saying what is wrong and where, then the query line
    with a caret under the place (``display``, two lines).

    Args:
        problem: what is wrong, with its line and column.
        path: the argument the query came from.
        hint: what to do about it, if anything.
        display: the query line and the caret line under it ('' when the place is not
            known).
        position: the 1-based line and column, if known.
    """

    def __init__(self, problem: str, *, path: str | None = "query", line: int | None = None,
                 hint: str | None = None, display: str = "",
                 position: tuple[int, int] | None = None) -> None:
        self.display = display  # before KgError.__init__, which formats the message
        self.position = position
        super().__init__(problem, path=path, line=line, hint=hint)

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n{self.display}" if self.display else text

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.problem, self.path, self.hint, self.display, self.position))


def _rebuild(problem: str, path: str | None, hint: str | None, display: str,
             position: tuple[int, int] | None) -> QuerySyntaxError:
    return QuerySyntaxError(problem, path=path, hint=hint, display=display, position=position)


_KEYWORDS = frozenset("""
    BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK FROM NAMED WHERE ORDER BY ASC DESC LIMIT
    OFFSET DISTINCT REDUCED OPTIONAL GRAPH SERVICE SILENT BIND AS VALUES UNDEF MINUS UNION
    FILTER GROUP HAVING EXISTS NOT IN TRUE FALSE LATERAL VERSION COUNT SUM MIN MAX AVG
    SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS
    CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS
    STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5
    SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK
    ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE
    LANGDIR STRLANGDIR HASLANG HASLANGDIR ADJUST INSERT DELETE DATA LOAD CLEAR CREATE DROP
    COPY MOVE ADD WITH USING DEFAULT ALL INTO TO
""".split())
_FUNCTIONS = _KEYWORDS - frozenset("""
    BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK FROM NAMED WHERE ORDER BY ASC DESC LIMIT
    OFFSET DISTINCT REDUCED OPTIONAL GRAPH SERVICE SILENT AS VALUES UNDEF MINUS UNION
    GROUP HAVING IN TRUE FALSE LATERAL VERSION SEPARATOR INSERT DELETE DATA LOAD CLEAR
    CREATE DROP COPY MOVE ADD WITH USING DEFAULT ALL INTO TO
""".split())
#: Full-width and typographic characters that a query typed with a CJK input method or
#: pasted from a document may hold, and the ASCII character SPARQL needs instead.
_LOOKALIKES = {
    "｛": "{", "｝": "}", "（": "(", "）": ")", "［": "[", "］": "]", "，": ",",
    "；": ";", "：": ":", "。": ".", "？": "?", "＜": "<", "＞": ">", "＂": '"',
    "＇": "'", "＝": "=", "！": "!", "＊": "*", "＃": "#", "＄": "$", "＿": "_",
    "\u3000": " ", "\u00a0": " ", "“": '"', "”": '"', "‘": "'", "’": "'",
    "「": '"', "」": '"', "、": ",",
}
#: The order predeclared prefixes are listed in: the contract's most used first.
_PREFIX_ORDER = ("ckg", "id", "org", "prov", "skos", "rdfs", "rdf", "xsd", "dcterms", "owl")
_POSITION = re.compile(r"error at (\d+):(\d+)")
_EXPECTED = re.compile(r"expected (?:one of )?(.*)", re.DOTALL)
_BRACKETS = {"{": "}", "(": ")", "[": "]"}
_BRACKET_NAMES = {"{": "braces", "(": "parentheses", "[": "brackets"}
_SHOWN_WIDTH = 96


@dataclass(frozen=True, slots=True)
class _Finding:
    """A likely mistake: what it is, where (offsets into the query) and how to mend it."""

    problem: str
    start: int
    end: int
    hint: str | None = None
    weak: bool = False  # true whatever else is wrong: named only when nothing else is


def explain_syntax_error(sparql: str, message: str,
                         prefixes: Mapping[str, str]) -> QuerySyntaxError:
    """The error to raise for a query pyoxigraph could not parse.

    The likeliest mistake is named where the text shows one: a character SPARQL has no
    use for (a full-width brace, a curly quote, a no-break space), an IRI with a space or
    never closed, a string never closed, an undeclared prefix (with the declared ones),
    unbalanced braces or parentheses, SELECT without a WHERE body, a name that is no
    keyword (a variable without ``?``, a literal without quotes, a misspelt keyword or
    function), an expression without ``AS``, LIMIT without a number, a missing ``.``
    between two triple patterns, a pattern without its object, a keyword or operator
    where a term belongs, a BIND to a variable already bound.  Of those at or before the
    place where pyoxigraph's parser gave up, the first in the text is named (a brace
    never closed, or a missing body, only when there is no other); else what the parser
    expected there, without its character classes.

    Args:
        sparql: the query text.
        message: pyoxigraph's ``SyntaxError`` text.
        prefixes: the predeclared prefixes (prefix -> namespace).

    Returns:
        The error, ``malformed SPARQL at line L, column C: …`` and the caret display.
    """
    found = tokens(sparql)
    stop = _error_offset(sparql, message)
    finding = _likeliest(sparql, found, stop, prefixes) or _parser_finding(sparql, found, stop,
                                                                            message)
    if finding is None:
        return QuerySyntaxError(f"malformed SPARQL: {_readable(message) or 'syntax error'}",
                                hint="check the query against SPARQL 1.1")
    line, column = _line_column(sparql, finding.start)
    return QuerySyntaxError(
        f"malformed SPARQL at line {line}, column {column}: {finding.problem}",
        hint=finding.hint, display=caret_display(sparql, finding.start, finding.end),
        position=(line, column))


def _likeliest(sparql: str, found: Sequence[Token], stop: int | None,
               prefixes: Mapping[str, str]) -> _Finding | None:
    """The first mistake in the text (the parser stops at it), of those at or before the
    place it stopped; a brace never closed or a missing body only if there is no other."""
    limit = len(sparql) if stop is None else stop
    at_end = stop is None or not sparql[stop:].strip()
    findings = [f for f in (_lexical(sparql, found, limit),
                            _unknown_prefix(found, limit, prefixes),
                            _unbalanced(sparql, found, limit, at_end), _no_body(found, at_end),
                            _projection(found, limit), _modifier(found, limit),
                            _bare_word(found, limit), _patterns(found, limit))
                if f is not None]
    strong = [f for f in findings if not f.weak]
    return min(strong or findings, key=lambda f: f.start, default=None)


_IRI_LIKE = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]*:[^<>\n]*)>")
_IRI_BAD = re.compile(r"[\x00-\x20\"{}|^`\\]")


def _lexical(sparql: str, found: Sequence[Token], limit: int) -> _Finding | None:
    for token in found:
        if token.start > limit:
            return None
        if token.kind == "punct" and token.text == "<" and sparql[token.end:token.end + 1] \
                .isalpha():
            iri = _IRI_LIKE.match(sparql, token.start)
            if iri is not None and (bad := _IRI_BAD.search(iri.group(1))):
                what = "a space" if bad.group().isspace() else f"a {bad.group()}"
                return _Finding(f"invalid IRI {iri.group()}: it holds {what}", token.start,
                                iri.end(), "an IRI holds no spaces, quotes, {, }, |, ^, ` or "
                                "\\ (write a space as %20)")
            line_end = sparql.find("\n", token.end)
            rest = sparql[token.end:] if line_end < 0 else sparql[token.end:line_end]
            if iri is None and ">" not in rest:
                return _Finding("unclosed IRI: this < has no >", token.start, token.end,
                                "close it with > (an IRI holds no spaces)")
        if token.kind == "open":
            return _Finding(f"unterminated string: this {token.text} is never closed",
                            token.start, token.end,
                            "close it on the same line, or use ''' or \"\"\" for text over "
                            "several lines")
        if token.kind == "bad" or (token.kind in ("word", "pname") and _lookalike(token)):
            offset, char = _lookalike(token) or (token.start, token.text)
            return _Finding(_describe_char(char), offset, offset + 1, _char_hint(char))
    return None


def _lookalike(token: Token) -> tuple[int, str] | None:
    for index, char in enumerate(token.text):
        if char in _LOOKALIKES:
            return token.start + index, char
    return None


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, "").lower() or "character"
    code = f"U+{ord(char):04X}"
    if char in "“”‘’「」":
        return f"curly quote {char} ({code}, {name})"
    if char.isspace():
        return f"stray {name} ({code})"
    if char in _LOOKALIKES:
        return f"full-width {char} ({code}, {name})"
    return f"stray character {char} ({code}, {name})"


def _char_hint(char: str) -> str | None:
    if char in _LOOKALIKES:
        wanted = _LOOKALIKES[char]
        return "use a plain space" if wanted == " " else f"SPARQL needs the ASCII {wanted}"
    if char == "\\":
        return "a backslash escapes only inside strings and prefixed names"
    return "remove it, or put it inside a string"


def _declared(found: Sequence[Token]) -> list[str]:
    """The prefixes the query declares with PREFIX."""
    return [following.text[:-1] for token, following in itertools.pairwise(found)
            if _is_word(token, "PREFIX") and following.kind == "pname"
            and following.text.endswith(":")]


def _unknown_prefix(found: Sequence[Token], limit: int,
                    prefixes: Mapping[str, str]) -> _Finding | None:
    own = _declared(found)
    known = set(own) | set(prefixes)
    for index, token in enumerate(found):
        if token.start > limit:
            return None
        if token.kind != "pname" or (index and _is_word(found[index - 1], "PREFIX")):
            continue
        prefix = token.text.split(":", 1)[0]
        if prefix in known:
            continue
        listed = list(dict.fromkeys([*own, *(p for p in _PREFIX_ORDER if p in prefixes),
                                     *sorted(prefixes)]))
        shown = ", ".join(f"{p}:" for p in listed[:14]) + (", …" if len(listed) > 14 else "")
        close = difflib.get_close_matches(prefix, listed, n=1, cutoff=0.6)
        hint = (f"did you mean {close[0]}:?" if close
                else f"declare it with PREFIX {prefix}: <…> before the query")
        return _Finding(f"unknown prefix {prefix}: (declared: {shown})", token.start,
                        token.start + len(prefix) + 1, hint)
    return None


def _unbalanced(sparql: str, found: Sequence[Token], limit: int,
                at_end: bool) -> _Finding | None:
    stack: list[Token] = []
    closers = {close: open_ for open_, close in _BRACKETS.items()}
    for token in found:
        if token.kind != "punct":
            continue
        if token.text in _BRACKETS:
            stack.append(token)
        elif token.text in closers:
            if token.start > limit:
                return None
            if not stack:
                name = _BRACKET_NAMES[closers[token.text]]
                return _Finding(f"unbalanced {name}: this {token.text} closes nothing",
                                token.start, token.end, "remove it or add its opening "
                                f"{closers[token.text]}")
            opened = stack.pop()
            if _BRACKETS[opened.text] != token.text:
                name = _BRACKET_NAMES[opened.text]
                line, column = _line_column(sparql, opened.start)
                return _Finding(f"unbalanced {name}: the {opened.text} at line {line}, column "
                                f"{column} is closed by this {token.text}",
                                token.start, token.end,
                                f"close the {opened.text} with {_BRACKETS[opened.text]} first")
    if stack and at_end:
        opened = stack[-1]
        name = _BRACKET_NAMES[opened.text]
        more = f" (and {len(stack) - 1} more)" if len(stack) > 1 else ""
        return _Finding(f"unbalanced {name}: this {opened.text} is never closed{more}",
                        opened.start, opened.end, f"add {_BRACKETS[opened.text]} where it ends",
                        weak=True)
    return None


def _no_body(found: Sequence[Token], at_end: bool) -> _Finding | None:
    forms = [i for i, t in enumerate(found) if _is_word(t, "SELECT", "ASK", "CONSTRUCT",
                                                          "DESCRIBE")]
    if not forms or not at_end:
        return None
    first = found[forms[0]]
    if any(t.kind == "punct" and t.text == "{" for t in found[forms[0]:]):
        return None
    last = found[-1]
    form = first.text.upper()
    if form == "DESCRIBE":
        return None  # DESCRIBE <iri> needs no body
    if _is_word(last, "WHERE"):
        hint = "add { … } after WHERE"
    elif form == "SELECT":
        hint = "add WHERE { … } after the variables"
    else:
        hint = f"add {{ … }} after {form}"
    return _Finding(f"{form} without a WHERE body", last.end, last.end, hint, weak=True)


def _projection(found: Sequence[Token], limit: int) -> _Finding | None:
    """An expression in a SELECT clause without ``AS ?name``."""
    for index, token in enumerate(found):
        if token.start > limit:
            return None
        if not _is_word(token, "SELECT"):
            continue
        position = index + 1
        while position < len(found):
            here = found[position]
            if here.text == "{" or _is_word(here, "WHERE", "FROM"):
                break
            if here.text != "(":
                position += 1
                continue
            depth, end, named = 0, position, False
            while end < len(found):
                depth += {"(": 1, ")": -1}.get(found[end].text, 0)
                named = named or (depth == 1 and _is_word(found[end], "AS"))
                if depth == 0:
                    break
                end += 1
            if not named and end < len(found):
                inner = found[position:end + 1]
                text = _span(found, position, end)
                hint = "write (expression AS ?name)"
                if len(inner) > 2 and inner[-2].kind == "var":
                    hint = f"write {_span(found, position, end - 2)} AS {inner[-2].text})"
                return _Finding(f"{text} in SELECT has no AS ?name", here.start,
                                found[end].end, hint)
            position = end + 1
    return None


def _modifier(found: Sequence[Token], limit: int) -> _Finding | None:
    """LIMIT or OFFSET without a whole number after it."""
    for token, following in zip(found, [*found[1:], None], strict=True):
        if token.start > limit:
            return None
        if _is_word(token, "LIMIT", "OFFSET") and (following is None
                                                   or not following.text.isdigit()):
            place = following or token
            return _Finding(f"{token.text.upper()} needs a whole number", place.start,
                            place.end, f"write e.g. {token.text.upper()} 100")
    return None


def _bare_word(found: Sequence[Token], limit: int) -> _Finding | None:
    first = _first_significant(found)
    for index, token in enumerate(found):
        if token.start > limit:
            return None
        if token.kind != "word" or token.text == "a" or token.text.upper() in _KEYWORDS \
                or _lookalike(token):  # a full-width character: _lexical names it
            continue
        following = found[index + 1] if index + 1 < len(found) else None
        opens = following is not None and following.kind == "punct" and following.text in "({"
        word = token.text
        if following is not None and following.text == "(":
            close = difflib.get_close_matches(word.upper(), sorted(_KEYWORDS), n=1, cutoff=0.8)
            return _Finding(f"{word} is not a SPARQL function", token.start, token.end,
                            f"did you mean {close[0]}?" if close
                            else "a function of your own is named by an IRI")
        if index == first or (word.isascii() and word.isupper() and len(word) > 1) or opens:
            close = difflib.get_close_matches(word.upper(), sorted(_KEYWORDS), n=1, cutoff=0.8)
            close = close or sorted(k for k in _KEYWORDS
                                    if len(word) >= 3 and k.startswith(word.upper()))[:1]
            return _Finding(f"unknown keyword {word}", token.start, token.end,
                            f"did you mean {close[0]}?" if close else None)
        if not word.isascii():
            return _Finding(f"{word} is not a term: a literal needs quotes", token.start,
                            token.end, f'write "{word}"@zh (the graph\'s labels are @zh), '
                            f"or ?{word} for a variable")
        return _Finding(f"{word} is not a term: a variable needs ?", token.start, token.end,
                        f"write ?{word}")
    return None


def _first_significant(found: Sequence[Token]) -> int:
    """The index of the query's first token after its PREFIX and BASE declarations."""
    index = 0
    while index < len(found):
        if _is_word(found[index], "PREFIX"):
            index += 3
        elif _is_word(found[index], "BASE"):
            index += 2
        else:
            break
    return index


# ------------------------------------------------------- triple patterns

_TERM_KINDS = frozenset({"var", "iri", "pname", "bnode", "string", "number", "word"})
_GROUP_WORDS = frozenset({"FILTER", "BIND", "OPTIONAL", "MINUS", "GRAPH", "SERVICE",
                          "VALUES", "UNION", "LATERAL", "SELECT"})
_OPERATORS = frozenset({"=", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "*", "/"})
#: What comes after a query's group: standing inside it, a } is missing before it.
_AFTER_GROUP = frozenset({"ORDER", "GROUP", "HAVING", "LIMIT", "OFFSET"})


@dataclass(slots=True)
class _Group:
    """What is known inside one ``{ … }`` while reading it."""

    terms: int = 0  # of the triple pattern being read: 0 subject next, 3 complete
    after_block: bool = False  # right after FILTER (…), OPTIONAL { … } and the like
    opaque: bool = False  # holds something this reader does not follow (a sub-SELECT)
    last_end: int = 0  # where the last term ended
    last_text: str = ""
    pattern: tuple[str, ...] = ()  # the terms of the pattern being read
    bound: tuple[str, ...] = ()  # the variables its patterns bind


class _Patterns:
    """Reads the groups of a query, term by term, for the mistakes a parser names badly:
    a missing ``.``, a pattern without its object, a BIND to a bound variable."""

    def __init__(self, found: Sequence[Token], limit: int) -> None:
        self.found = found
        self.limit = limit
        self.index = 0
        self.findings: list[_Finding] = []

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.index + ahead
        return self.found[index] if index < len(self.found) else None

    def skip_balanced(self) -> None:
        """Step over a bracketed run: the token at the index opens it."""
        depth = 0
        while (token := self.peek()) is not None:
            self.index += 1
            if token.kind == "punct" and token.text in ("(", "[", "{", "<<", "<<(", "{|"):
                depth += 1
            elif token.kind == "punct" and token.text in (")", "]", "}", ">>", ")>>", "|}"):
                depth -= 1
            if depth <= 0:
                return

    def term(self, verb: bool) -> None:
        """Step over one term (a verb may be a property path)."""
        token = self.peek()
        assert token is not None
        if token.kind == "punct" and token.text in ("^", "!", "-", "+"):
            self.index += 1
            if self.peek() is not None:
                self.term(verb)
            return
        if token.kind == "punct" and token.text in ("(", "[", "<<", "<<("):
            self.skip_balanced()
        else:
            self.index += 1
        nxt = self.peek()
        if nxt is not None and nxt.kind == "lang":
            self.index += 1
        elif nxt is not None and nxt.kind == "punct" and nxt.text == "^^":
            self.index += 2
        if not verb:
            return
        while (nxt := self.peek()) is not None and nxt.kind == "punct":
            if nxt.text in ("*", "+", "?"):
                self.index += 1
            elif nxt.text in ("/", "|") and self.peek(1) is not None:
                self.index += 1
                self.term(verb)
            else:
                break

    def run(self) -> list[_Finding]:
        stack: list[_Group] = []
        while (token := self.peek()) is not None and token.start <= self.limit:
            if not stack:
                self.index += 1
                if token.kind == "punct" and token.text == "{":
                    stack.append(_Group())
                continue
            self.step(stack, token)
        return self.findings

    def step(self, stack: list[_Group], token: Token) -> None:
        group = stack[-1]
        text = token.text
        if token.kind == "punct" and text == "{":
            self.index += 1
            self.incomplete(group, token)
            stack.append(_Group())
            return
        if token.kind == "punct" and text == "}":
            self.index += 1
            self.incomplete(group, token)
            stack.pop()
            if stack:
                stack[-1].terms, stack[-1].after_block = 0, True
            return
        if group.opaque:
            self.index += 1
            return
        if token.kind == "punct" and text == ".":
            self.index += 1
            if group.terms == 0 and not group.after_block:
                previous = self.found[self.index - 2] if self.index >= 2 else None
                if previous is not None and previous.text == ".":
                    self.findings.append(_Finding('stray "." (two in a row)', token.start,
                                                  token.end, "remove one"))
            self.incomplete(group, token)
            group.terms, group.after_block = 0, False
            return
        if token.kind == "punct" and text in (";", ","):
            self.index += 1
            if group.terms == 3 or (text == ";" and group.terms == 1):
                group.terms = 1 if text == ";" else 2
                group.pattern = group.pattern[:group.terms]
            else:
                group.opaque = True
            return
        if token.kind == "punct" and text in ("~", "{|"):
            if text == "{|":
                self.skip_balanced()
            else:
                self.index += 1
            return
        if token.kind == "word" and text.upper() in _GROUP_WORDS:
            self.incomplete(group, token)
            group.terms = 0
            self.group_word(group, token)
            return
        if token.kind == "word" and text.upper() in _KEYWORDS \
                and text.upper() not in ("TRUE", "FALSE") and text != "a":
            if text.upper() in _AFTER_GROUP:
                finding = _Finding(f"{text} inside {{ … }}: the group is not closed before it",
                                   token.start, token.end, f"add }} before {text}")
            else:
                finding = _Finding(f"keyword {text} where a term belongs", token.start,
                                   token.end, None)
            self.findings.append(finding)
            group.opaque = True
            self.index += 1
            return
        if token.kind == "punct" and text in _OPERATORS:
            self.findings.append(_Finding(
                f"stray {text} between the patterns", token.start, token.end,
                f"an operator belongs inside FILTER (…) or BIND (…); remove this {text}"))
            group.opaque = True
            self.index += 1
            return
        if token.kind in _TERM_KINDS or (token.kind == "punct"
                                         and text in ("(", "[", "<<", "<<(", "^", "!")):
            self.pattern_term(group, token)
            return
        group.opaque = True
        self.index += 1

    def pattern_term(self, group: _Group, token: Token) -> None:
        if group.terms == 3 and token.kind != "word":  # a bare word: _bare_word names it
            self.findings.append(_Finding(
                f'missing "." between two triple patterns: one ends with {group.last_text}, '
                f"the next starts with {token.text}", group.last_end, group.last_end + 1,
                f'add "." after {group.last_text}'))
            group.terms = 0
        if token.kind == "var":
            group.bound += (token.text[1:],)
        first = self.index
        self.term(verb=group.terms == 1)
        text = _span(self.found, first, self.index - 1)
        group.pattern = (*group.pattern, text) if group.terms else (text,)
        group.terms += 1
        group.after_block = False
        group.last_end, group.last_text = self.found[self.index - 1].end, text

    def incomplete(self, group: _Group, token: Token) -> None:
        """A pattern with a subject (and a verb) but no object, ended by ``token``."""
        if group.opaque or group.terms not in (1, 2):
            return
        previous = self.found[self.index - 2] if self.index >= 2 else None
        if group.terms == 1 and previous is not None and previous.text == ";":
            return  # "?s ?p ?o ;" may end a pattern
        missing = "a predicate and an object" if group.terms == 1 else "an object"
        pattern = " ".join(group.pattern)
        if previous is not None and previous.text == ",":
            self.findings.append(_Finding(f'no object after this "," ({pattern} …)',
                                          previous.start, previous.end,
                                          'add the object or remove the ","'))
            return
        self.findings.append(_Finding(
            f"incomplete triple pattern: {pattern} has no "
            f"{'predicate and object' if group.terms == 1 else 'object'} before this "
            f"{token.text}", token.start, token.end, f"add {missing} after {pattern}"))

    def group_word(self, group: _Group, token: Token) -> None:
        word = token.text.upper()
        self.index += 1
        group.after_block = True
        nxt = self.peek()
        if word == "SELECT":
            group.opaque = True
        elif word in ("FILTER", "BIND") and nxt is not None:
            if _is_word(nxt, "NOT", "EXISTS"):
                while (nxt := self.peek()) is not None and _is_word(nxt, "NOT", "EXISTS"):
                    self.index += 1
                return  # its { … } is read as a group
            if nxt.kind in ("word", "pname", "iri"):
                self.index += 1
            if (paren := self.peek()) is not None and paren.text == "(":
                start = self.index
                self.skip_balanced()
                if word == "BIND":
                    self.rebinding(group, self.found[start:self.index])
        elif word == "VALUES":
            while (nxt := self.peek()) is not None and nxt.text != "{":
                self.index += 1
            if nxt is not None:
                self.skip_balanced()
        elif word in ("GRAPH", "SERVICE"):
            if nxt is not None and _is_word(nxt, "SILENT"):
                self.index += 1
            if (target := self.peek()) is not None and target.text != "{":
                self.index += 1

    def rebinding(self, group: _Group, inside: Sequence[Token]) -> None:
        for token, following in itertools.pairwise(inside):
            if _is_word(token, "AS") and following.kind == "var" \
                    and following.text[1:] in group.bound:
                self.findings.append(_Finding(
                    f"BIND assigns {following.text}, which the patterns before it already bind",
                    following.start, following.end, "give the BIND a new variable"))


def _span(found: Sequence[Token], first: int, last: int) -> str:
    """The tokens ``first``…``last`` as written, white space and comments as one space."""
    run = found[first:last + 1]
    text = "".join((" " if i and t.start > run[i - 1].end else "") + t.text
                   for i, t in enumerate(run))
    return text if len(text) <= 40 else text[:39] + "…"


def _patterns(found: Sequence[Token], limit: int) -> _Finding | None:
    # the first: a mistake leaves the reader out of step, and what follows is its echo
    findings = [f for f in _Patterns(found, limit).run() if f.start <= limit + 1]
    return findings[0] if findings else None


# ----------------------------------------------- pyoxigraph's own message


def _parser_finding(sparql: str, found: Sequence[Token], stop: int | None,
                    message: str) -> _Finding | None:
    """A finding from pyoxigraph's place: the token there (or, in white space, the one it
    stopped after; past the end, the place after the last)."""
    if stop is None:
        return None
    before = [t for t in found if t.start < stop]
    if "IRI parsing failed" in message:
        iri = next((t for t in reversed(before) if t.kind == "iri"), None)
        if iri is not None:
            return _Finding(f"invalid IRI {iri.text}: {_iri_reason(iri.text)}", iri.start,
                            iri.end, "check the IRI (RFC 3987)")
    expected = _EXPECTED.search(message)
    if expected is not None and _split_expected(expected.group(1))[:1] == ['">"']:
        opener = next((t for t in reversed(before) if t.text == "<"), None)
        if opener is not None:
            return _Finding("unclosed IRI: this < has no >", opener.start, opener.end,
                            "close it with > (an IRI holds no spaces)")
    if not sparql[stop:].strip():
        last = found[-1].end if found else 0
        start, end = last, last + 1
    else:
        token = next((t for t in found if t.start <= stop < t.end), None)
        token = token or (before[-1] if before else None)
        start, end = (token.start, token.end) if token else (stop, stop + 1)
    return _Finding(_readable(message) or "syntax error here", start, end,
                    "check the query against SPARQL 1.1")


def _iri_reason(iri: str) -> str:
    inner = iri[1:-1]
    if " " in inner:
        return "it holds a space (write %20)"
    if inner.count("#") > 1:
        return "it holds a second #"
    if "[" in inner or "]" in inner:
        return "[ and ] belong only around an IPv6 host"
    return "not a valid IRI"


def _readable(message: str) -> str:
    """What pyoxigraph expected, without the grammar's character classes."""
    match = _EXPECTED.search(message)
    if match is None:
        text = _POSITION.sub("", message).strip(" :")
        return " ".join(text.split())[:200]
    items = _split_expected(match.group(1))
    sentences = [i for i in items if " " in i and not i.startswith(("[", "'", '"'))]
    if sentences:
        first = sentences[0]
        return first if first[1:2].isupper() else first[0].lower() + first[1:]
    words = [i for i in items if not i.startswith("[")]
    if not words or len(words) > 8:
        return "syntax error here"
    return "syntax error here; the parser expected " + " or ".join(
        [", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


_EXPECTED_ITEM = re.compile(
    r'"(?:[^"\\]|\\.)*"'  # a quoted token
    r"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]"  # a character class
    r"|[^,\s][^,]*")  # a keyword or a sentence


def _split_expected(text: str) -> list[str]:
    """The items of pyoxigraph's ``expected one of a, b, [c ..= d], …`` list."""
    return [" ".join(item.split()) for item in _EXPECTED_ITEM.findall(text)]


def _error_offset(sparql: str, message: str) -> int | None:
    """The offset pyoxigraph's ``error at LINE:COLUMN`` names (1-based code points)."""
    match = _POSITION.search(message)
    if match is None:
        return None
    line, column = int(match.group(1)), int(match.group(2))
    lines = sparql.split("\n")
    if line > len(lines):
        return len(sparql)
    offset = sum(len(text) + 1 for text in lines[:line - 1])
    return min(offset + column - 1, len(sparql))


# ------------------------------------------------------- the caret display


def _line_column(sparql: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in code points) of an offset."""
    before = sparql[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def caret_display(sparql: str, start: int, end: int) -> str:
    """The query line holding ``start`` and a caret line under ``start``…``end``.

    Columns count as a terminal shows them (a Chinese character takes two); a tab shows
    as a space; a line wider than the terminal is cut around the place with ``…``.

    Args:
        sparql: the query text.
        start: the offset of the first character to mark.
        end: the offset past the last one (at least one caret is drawn).

    Returns:
        Two lines, ``  N | <line>`` and ``    | ^^^``, without a final newline.
    """
    line_no, column = _line_column(sparql, start)
    line_start = start - (column - 1)
    line_end = sparql.find("\n", line_start)
    line = sparql[line_start:len(sparql) if line_end < 0 else line_end].rstrip("\r")
    line = "".join(" " if c == "\t" or not c.isprintable() else c for c in line)
    col = column - 1
    stop = max(col + 1, min(end - line_start, len(line)))
    marked = line[col:stop]
    shown_from, shown_to = _window(line, col, stop)
    head = "…" if shown_from else ""
    tail = "…" if shown_to < len(line) else ""
    text = head + line[shown_from:shown_to] + tail
    pad = _width(head + line[shown_from:col])
    carets = "^" * max(1, _width(marked) if marked.strip() else 1)
    gutter = f"  {line_no} | "
    return (gutter + text).rstrip() + "\n" + " " * (len(gutter) - 2) + "| " + " " * pad + carets


def _window(line: str, col: int, stop: int) -> tuple[int, int]:
    """The slice of a long line to show: the whole line when it fits, else the place
    with as much before it (up to 40 columns) and after it as fits."""
    if _width(line) <= _SHOWN_WIDTH:
        return 0, len(line)
    start = col
    while start > 0 and _width(line[start - 1:col]) <= 40:
        start -= 1
    end = max(stop, col + 1)
    while end < len(line) and _width(line[start:end + 1]) <= _SHOWN_WIDTH - 2:
        end += 1
    return start, end
