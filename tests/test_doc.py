"""Tests for kg.doc: records survive pickling (the cache and worker processes) intact."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import kg.doc
from kg.doc import Document


def test_doc_resolved_documents_pickle_and_copy_to_equal_records(seeds_build) -> None:  # type: ignore[no-untyped-def]
    # The seeds' cache holds real resolved documents with every kind of record inside.
    entries = sorted((seeds_build / ".cache").glob("*.pickle"))
    docs = [pickle.loads(entry.read_bytes()) for entry in entries]
    assert len(docs) == 5 and any(d.resolved_awards for d in docs)
    assert any(d.resolved_programmes for d in docs)
    for doc in docs:
        assert isinstance(doc, Document) and doc.entities
        again = pickle.loads(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == doc and again is not doc
        assert copy.deepcopy(doc) == doc


def test_doc_records_reduce_to_their_class_and_field_values() -> None:
    for name in kg.doc.__all__:
        cls = getattr(kg.doc, name)
        if not dataclasses.is_dataclass(cls) or "__reduce__" not in vars(cls):
            continue
        fields = dataclasses.fields(cls)
        values = tuple(f"v{i}" for i in range(len(fields)))
        record = cls(*values)
        assert record.__reduce__() == (cls, values)
        assert pickle.loads(pickle.dumps(record)) == record
    mention = kg.doc.Mention(3, 7, "满洲里海关", "Bureau", "满洲里海关", "lexicon", None)
    assert pickle.loads(pickle.dumps(mention)) == mention
    assert dataclasses.replace(mention, parent="海关总署").parent == "海关总署"
