"""The document object that flows through the pipeline, and the records inside it.

May import only ``kg.errors``.  Rules (checked by the tests):

* ``Document.text`` never changes after ingest; every span is ``(start, end)`` into it,
  and ``doc.text[m.start:m.end] == m.text`` for every record that carries text.
* Each field of ``Document`` is assigned by exactly one stage; later stages never change
  it (stages return ``dataclasses.replace(doc, field=...)``).
* Records are frozen dataclasses with slots and a deterministic sort key.
"""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, TypeVar

__all__ = [
    "ORG_CLASSES",
    "AwardFact",
    "BuildReport",
    "Document",
    "DocumentMeta",
    "Entity",
    "EntityIndex",
    "EntityKey",
    "EntityClass",
    "HierarchyFact",
    "Mention",
    "Outcome",
    "ProgrammeFact",
    "ResolvedAward",
    "ResolvedProgramme",
    "Sentence",
]

EntityClass = Literal[
    "Administration",
    "Bureau",
    "SubOffice",
    "Department",
    "ExternalOrganization",
    "Honour",
    "Programme",
    "Person",
]

_R = TypeVar("_R")


def _pickled_by_fields(cls: type[_R]) -> type[_R]:
    """Pickle (and copy) a record as its class and its field values, read in one go.

    Documents cross process boundaries and fill the cache by the thousand; a slotted
    dataclass's own pickling builds a state per object through ``dataclasses.fields`` and
    is two to three times slower, both ways."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    read = operator.attrgetter(*names)

    def __reduce__(self: Any) -> tuple[type, tuple[Any, ...]]:  # noqa: N807
        values = read(self)
        return type(self), (values if len(names) > 1 else (values,))

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


#: Classes that can receive honours and run programmes.
ORG_CLASSES: frozenset[str] = frozenset(
    {"Administration", "Bureau", "SubOffice", "Department", "ExternalOrganization"}
)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What ingest learnt about a document besides its text.

    ``title``, ``date`` (ISO ``YYYY-MM-DD`` or ``YYYY-MM`` or ``YYYY``), ``publisher`` and
    ``creator`` are ``None`` when the text does not state them.  ``replaced`` counts the
    bytes of the file that no codec could read and that stand as U+FFFD in the text.
    """

    title: str
    date: str | None = None
    publisher: str | None = None
    creator: str | None = None
    encoding: str = "utf-8"
    media_type: str = "text/plain"
    replaced: int = 0


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class Sentence:
    """A sentence: ``doc.text[start:end]``, ending with its terminal mark if any."""

    start: int
    end: int
    text: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class Mention:
    """A name found in the text.

    Attributes:
        start, end, text: the span in ``doc.text`` (``text`` is the exact slice).
        cls: the entity class the extractor assigns (``EntityClass``), or ``"Anaphor"``.
        name: the normalised name the span stands for (``天津海关(机关)`` -> ``天津海关``,
            ``天津市“文明单位”`` -> ``天津市文明单位``); resolve turns it into a canonical key.
        rule_id: the lexicon file or pattern id that found it.
        parent: the normalised name of the parent organisation when the text gives it
            next to the mention (``满洲里海关驻车站办事处`` -> ``满洲里海关``).
    """

    start: int
    end: int
    text: str
    cls: str
    name: str
    rule_id: str = ""
    parent: str | None = None


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class AwardFact:
    """One conferral of an honour on one recipient, as read from one sentence."""

    sentence: Sentence
    recipient: Mention
    honour: Mention
    year: int | None
    awarders: tuple[Mention, ...] = ()
    edition: str | None = None
    rule_id: str = ""
    confidence: float = 0.5


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class ProgrammeFact:
    """A programme, the organisations that run it (possibly none) and its year."""

    sentence: Sentence
    programme: Mention
    orgs: tuple[Mention, ...]
    year: int | None
    rule_id: str = ""
    confidence: float = 0.5


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class HierarchyFact:
    """``child`` is part of ``parent`` (``org:subOrganizationOf``), as the text says."""

    sentence: Sentence
    child: Mention
    parent: Mention
    rule_id: str = ""


class EntityKey(NamedTuple):
    """The identity of one real thing: its class and its canonical key.

    ``canonical`` is the canonical label, except for SubOffice and Department, whose key is
    ``"<parent canonical>/<label>"`` so that two 机场海关 under different bureaus differ.

    A named tuple (hashed, compared and pickled in C): keys are looked up by the hundred
    thousand in resolving and writing a corpus.
    """

    cls: str
    canonical: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class Entity:
    """A resolved entity: its key, its label, the other names the text used, its parent,
    and for a sub-office its official 关区代码 where the gazetteer knows it."""

    key: EntityKey
    label: str
    aliases: tuple[str, ...] = ()
    parent: EntityKey | None = None
    code: str = ""


@dataclass(frozen=True)
class EntityIndex:
    """The corpus's entities by key, and the corpus key of each document-level key that
    resolve mapped onto another (a sub-office named without its bureau)."""

    entities: dict[EntityKey, Entity]
    remap: dict[EntityKey, EntityKey]

    def key(self, key: EntityKey) -> EntityKey:
        """The corpus key for a document-level key."""
        return self.remap.get(key, key)


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class ResolvedAward:
    """An award with every participant resolved to an entity key."""

    recipient: EntityKey
    honour: EntityKey
    year: int | None
    awarders: tuple[EntityKey, ...]
    edition: str | None
    evidence: str
    rule_id: str
    confidence: float


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class ResolvedProgramme:
    """A programme occurrence with its programme and organisations resolved."""

    programme: EntityKey
    orgs: tuple[EntityKey, ...]
    year: int | None
    evidence: str
    rule_id: str
    confidence: float


@_pickled_by_fields
@dataclass(slots=True)
class Document:
    """One input document and everything the stages learnt about it.

    Attributes:
        id: a stable identifier derived from the file name (the document IRI's last part).
        path: the path the document was read from, as given.
        text: the cleaned text, in simplified script; never changes after ingest.
        source_text: the cleaned text as written, when it is in traditional script (``text``
            is then its character-for-character simplified form, so a span of one is a span
            of the other); "" otherwise.
        meta: title, date, publisher, creator, encoding.
        sentences: set by ``segment``.
        tokens: ``(start, end)`` of each jieba token, set by ``segment``.
        mentions, awards, programmes, hierarchy: set by ``extract``.
        subject: the normalised name of the organisation the document is about, set by
            ``extract`` (anaphors such as 该关 refer to it).
        entities, resolved_awards, resolved_programmes: set by ``resolve``.
    """

    id: str
    path: str
    text: str
    meta: DocumentMeta
    sentences: tuple[Sentence, ...] = ()
    tokens: tuple[tuple[int, int], ...] = ()
    mentions: tuple[Mention, ...] = ()
    awards: tuple[AwardFact, ...] = ()
    programmes: tuple[ProgrammeFact, ...] = ()
    hierarchy: tuple[HierarchyFact, ...] = ()
    subject: str | None = None
    entities: tuple[Entity, ...] = ()
    resolved_awards: tuple[ResolvedAward, ...] = ()
    resolved_programmes: tuple[ResolvedProgramme, ...] = ()
    mentioned: tuple[EntityKey, ...] = field(default=())
    source_text: str = ""


@_pickled_by_fields
@dataclass(frozen=True, slots=True, order=True)
class Outcome:
    """What became of one input file in a build.

    ``status`` is ``"built"``, ``"skipped"`` (empty, binary, undecodable, no Chinese text;
    a dangling link or a folder that cannot be read), ``"failed"`` (an error while
    processing it) or ``"ignored"`` (a file met in a folder that is of no kind kg reads);
    ``reason`` is one line (for a built document, a note such as bytes replaced, or "").
    """

    path: str
    status: Literal["built", "skipped", "failed", "ignored"]
    reason: str = ""
    doc_id: str = ""


@dataclass(frozen=True, slots=True)
class BuildReport:
    """The summary of one build: per-file outcomes, counts, files written, time taken."""

    outcomes: tuple[Outcome, ...]
    entity_counts: dict[str, int]
    awards: int
    programmes: int
    triples: int
    files: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every document was built (files of other kinds may be ignored)."""
        return all(o.status in ("built", "ignored") for o in self.outcomes)
