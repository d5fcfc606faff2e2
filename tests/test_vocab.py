"""Tests for kg.vocab and ontology/customs.ttl: the closed CKG namespace and IRI minting."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pyoxigraph
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg import vocab
from kg.errors import GraphError
from kg.resources import ontology_path
from kg.validate import load_graph
from kg.vocab import CKG, DEFAULT_BASE_IRI, PREFIXES, SLUGS, IriMinter

GRAPHS = Path(__file__).parent / "data" / "graphs"
ONTOLOGY_IRI = URIRef("https://w3id.org/customs-kg/ontology")
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
HOSTILE = [
    'quote"d', "back\\slash", "<img src=x onerror=alert(1)>", "line\nbreak", "100%", "a#b?c",
    "emoji😀", "\ud800", "lone\udfffsurrogate", " ", "tab\there", "{}|^`", "天津海关（机关）",
    "全角，标点。", "\u3000", "\x00", "\u200b", "e\u0301", ".", "..", "...", "%2F", "\ufffe",
]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_path("customs.ttl"), format="turtle")


def _declared_terms(graph: Graph) -> set[URIRef]:
    return {s for t in TERM_TYPES for s in graph.subjects(RDF.type, t)
            if isinstance(s, URIRef) and str(s).startswith(str(CKG._NS))}


def _ckg_terms() -> set[URIRef]:
    return {CKG[name] for name in CKG.__annotations__}


def test_vocab_ckg_matches_ontology(ontology: Graph) -> None:
    assert _ckg_terms() == _declared_terms(ontology)


def test_vocab_ontology_uses_only_declared_ckg_terms(ontology: Graph) -> None:
    used = {t for triple in ontology for t in triple
            if isinstance(t, URIRef) and str(t).startswith(str(CKG._NS))}
    assert used <= _ckg_terms()


def test_vocab_ckg_fails_on_unknown_term() -> None:
    with pytest.raises(AttributeError, match="Bureaux"):
        CKG.Bureaux  # noqa: B018
    with pytest.raises(AttributeError):
        CKG["subOrganizationOf"]
    assert CKG.receivedHonour == URIRef("https://w3id.org/customs-kg/ontology#receivedHonour")


def test_vocab_ckg_jsonld_context_has_every_term() -> None:
    context = CKG.as_jsonld_context("ckg")["@context"]
    assert context["ckg"] == PREFIXES["ckg"]
    assert {f"ckg:{name}" for name in CKG.__annotations__} == set(context.values()) - {
        PREFIXES["ckg"]}


def test_vocab_ontology_parses_with_rdflib_and_pyoxigraph(ontology: Graph) -> None:
    quads = list(pyoxigraph.parse(path=str(ontology_path("customs.ttl")),
                                  format=pyoxigraph.RdfFormat.TURTLE))
    assert len(quads) == len(ontology) > 0


def test_vocab_ontology_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for predicate in (vocab.DCTERMS.license, OWL.versionInfo, vocab.DCTERMS.title,
                      vocab.DCTERMS.description):
        assert ontology.value(ONTOLOGY_IRI, predicate) is not None, predicate


@pytest.mark.parametrize("name", sorted(CKG.__annotations__))
def test_vocab_ontology_term_documented(ontology: Graph, name: str) -> None:
    term = CKG[name]
    for predicate in (RDFS.label, RDFS.comment):
        languages = sorted(o.language for o in ontology.objects(term, predicate)
                           if isinstance(o, Literal))
        assert languages == ["en", "zh"], (name, predicate)
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology


def test_vocab_ontology_properties_have_domain_and_range(ontology: Graph) -> None:
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        assert ontology.value(prop, RDFS.domain) is not None, prop
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        assert ontology.value(prop, RDFS.range) is not None, prop


@pytest.mark.parametrize("path", sorted(GRAPHS.glob("validate_ok_*")), ids=lambda p: p.stem)
def test_vocab_ontology_labels_every_predicate_and_class_used(ontology: Graph,
                                                              path: Path) -> None:
    graph = load_graph(path)
    used = set(graph.predicates()) | set(graph.objects(predicate=RDF.type))
    unlabelled = sorted(
        str(t) for t in used
        if not any(getattr(label, "language", None) == "zh"
                   for label in ontology.objects(t, RDFS.label))
    )
    assert unlabelled == []


def test_vocab_prefixes_are_the_namespaces() -> None:
    assert PREFIXES["ckg"] == str(CKG._NS)
    assert PREFIXES["org"] == "http://www.w3.org/ns/org#"
    assert PREFIXES["prov"] == "http://www.w3.org/ns/prov#"
    assert set(PREFIXES) == {"ckg", "dcterms", "org", "owl", "prov", "rdf", "rdfs", "skos", "xsd"}
    assert DEFAULT_BASE_IRI not in PREFIXES.values()


def _isort_key(name: str) -> tuple[int, str]:
    """ruff RUF022 order: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return (kind, name)


def test_vocab_all_is_sorted_and_complete() -> None:
    assert vocab.__all__ == sorted(vocab.__all__, key=_isort_key)
    for name in vocab.__all__:
        assert hasattr(vocab, name), name


# --- IRI minting ---------------------------------------------------------------------------

MINTED = [
    ("Bureau", "天津海关", "bureau/天津海关"),
    ("SubOffice", "天津海关/机场海关", "suboffice/天津海关/机场海关"),
    ("Department", "满洲里海关/驻车站办事处通关科", "department/满洲里海关/驻车站办事处通关科"),
    ("ExternalOrganization", "中华全国总工会", "org/中华全国总工会"),
    ("Programme", "天津海关/12360海关统一服务热线", "programme/天津海关/12360海关统一服务热线"),
    ("Honour", "全国“五一”劳动奖状", "honour/全国%E2%80%9C五一%E2%80%9D劳动奖状"),
    ("Person", "田 顺利", "person/田%20顺利"),
    ("Administration", "海关总署", "administration/海关总署"),
    ("Bureau", "a\"b<c>", "bureau/a%22b%3Cc%3E"),
    ("Bureau", "..", "bureau/%2E%2E"),
]


@pytest.mark.parametrize(("cls", "canonical", "tail"), MINTED, ids=[m[2] for m in MINTED])
def test_vocab_entity_iri_examples(cls: str, canonical: str, tail: str) -> None:
    assert IriMinter().entity(cls, canonical) == URIRef(DEFAULT_BASE_IRI + tail)


def test_vocab_entity_iri_slugs_cover_the_entity_classes() -> None:
    assert set(SLUGS) == {"Administration", "Bureau", "SubOffice", "Department",
                          "ExternalOrganization", "Honour", "Programme", "Person"}
    assert set(SLUGS) <= set(CKG.__annotations__)
    assert len(set(SLUGS.values())) == len(SLUGS)


@pytest.mark.parametrize(("cls", "canonical"), [("Year", "2008"), ("bureau", "天津海关")])
def test_vocab_entity_iri_rejects_bad_input(cls: str, canonical: str) -> None:
    with pytest.raises(GraphError) as info:
        IriMinter().entity(cls, canonical)
    assert "\n" not in str(info.value)


def _assert_usable_iri(iri: URIRef) -> None:
    """rdflib and pyoxigraph both accept the IRI and read it back unchanged."""
    text = str(iri)
    assert pyoxigraph.NamedNode(text).value == text
    graph = Graph()
    graph.add((iri, RDFS.label, Literal("x")))
    for fmt in ("nt", "turtle"):
        data = graph.serialize(format=fmt)
        assert set(Graph().parse(data=data, format=fmt).subjects()) == {iri}, data
        ox_format = pyoxigraph.RdfFormat.N_TRIPLES if fmt == "nt" else pyoxigraph.RdfFormat.TURTLE
        parsed = list(pyoxigraph.parse(data.encode("utf-8"), format=ox_format))
        assert [q.subject.value for q in parsed] == [text]


def _decode(segment: str) -> str:
    return unquote_to_bytes(segment).decode("utf-8", "surrogatepass")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1))
@example("天津海关/机场海关")
@example("/".join(HOSTILE))
def test_vocab_entity_iri_valid_stable_and_reversible(canonical: str) -> None:
    minter = IriMinter()
    parts = canonical.split("/")
    if not all(parts):  # parts that cannot be told apart: the key is one segment
        parts = [canonical]
    iri = minter.entity("SubOffice", canonical)
    assert iri == IriMinter().entity("SubOffice", canonical)
    prefix = DEFAULT_BASE_IRI + "suboffice/"
    assert str(iri).startswith(prefix)
    segments = str(iri)[len(prefix):].split("/")
    assert [_decode(s) for s in segments] == [unicodedata.normalize("NFC", p) for p in parts]
    _assert_usable_iri(iri)


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(h) for h in HOSTILE])
def test_vocab_hostile_names_give_usable_iris(name: str) -> None:
    iri = IriMinter().entity("Person", name)
    assert not set(str(iri)) & set(' \n\t"<>{}|\\^`')
    _assert_usable_iri(iri)
    _assert_usable_iri(IriMinter().document(name))


@settings(max_examples=100, deadline=None)
@given(st.text(), st.text(), st.one_of(st.none(), st.integers(1, 9999)))
def test_vocab_award_iri_is_a_stable_hash(recipient: str, honour: str, year: int | None) -> None:
    iri = IriMinter().award(recipient, honour, year)
    key = f"{recipient}\x1f{honour}\x1f{'' if year is None else year}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    assert iri == URIRef(DEFAULT_BASE_IRI + "award/" + digest)
    _assert_usable_iri(iri)


def test_vocab_award_iri_depends_on_every_part() -> None:
    minter = IriMinter()
    base = minter.award("r", "h", 2015)
    assert base == minter.award("r", "h", 2015)
    assert len({base, minter.award("r", "h", 2016), minter.award("r", "h", None),
                minter.award("r2", "h", 2015), minter.award("r", "h2", 2015)}) == 5


def test_vocab_year_and_document_iris() -> None:
    minter = IriMinter("http://example.org/kg#")
    assert minter.year(2008) == URIRef("http://example.org/kg#year/2008")
    assert minter.document("000_2a6c9addae7b0bec") == URIRef(
        "http://example.org/kg#doc/000_2a6c9addae7b0bec")
    assert minter.document("a/b") == URIRef("http://example.org/kg#doc/a%2Fb")


@pytest.mark.parametrize("value", [0, -1, 10000, True, 2008.0, "2008", None])
def test_vocab_year_rejects_non_years(value: object) -> None:
    with pytest.raises(GraphError):
        IriMinter().year(value)  # type: ignore[arg-type]


def test_vocab_document_rejects_empty_id() -> None:
    with pytest.raises(GraphError):
        IriMinter().document("")


@pytest.mark.parametrize("base", [
    DEFAULT_BASE_IRI, "http://example.org/kg#", "https://例子.中国/图谱/", "http://localhost:7878/id/",
])
def test_vocab_base_iri_accepted(base: str) -> None:
    assert IriMinter(base).entity("Bureau", "天津海关") == URIRef(base + "bureau/天津海关")


@pytest.mark.parametrize("base", [
    "", "ftp://example.org/id/", "example.org/id/", "https://example.org/id", "/id/",
    "https://example.org/a b/", "https://example.org/<a>/", 'https://example.org/"/',
    "https://example.org/%zz/", "https://example.org/#a#/", "http:///id/",
    "https://example.org/\n/", "http://a:b/", "http://[::1/", "https://example.org/{x}/",
    "https://example.org/\ud800/", "https://example.org/\x7f/",
])
def test_vocab_base_iri_rejected(base: str) -> None:
    with pytest.raises(GraphError) as info:
        IriMinter(base)
    message = str(info.value)
    assert "\n" not in message and "base IRI" in message


BASES = st.one_of(
    st.text(),
    st.builds(lambda scheme, rest, end: scheme + rest + end,
              st.sampled_from(["http://", "https://"]), st.text(), st.sampled_from(["/", "#"])),
    urls().map(lambda url: url.rstrip("/") + "/"),
)


@settings(max_examples=300, deadline=None)
@given(BASES)
@example("http://a:1/")
@example("https://x.org/?q=1/")
def test_vocab_base_iri_check_agrees_with_oxigraph(base: str) -> None:
    try:
        minter = IriMinter(base)
    except GraphError:
        return
    _assert_usable_iri(minter.entity("Bureau", "天津海关"))


# ------------------------------------------------- issue 13: an IRI for any label at all

_ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("/%#?.~ "),
                    max_size=40)


@pytest.mark.issue(13)
@settings(max_examples=400, deadline=None)
@given(cls=st.sampled_from(sorted(SLUGS)), parts=st.lists(_ANY_TEXT, min_size=1, max_size=3))
@example(cls="Honour", parts=["http://x先进集体"])
@example(cls="Programme", parts=["天津海关", "/a//b"])
@example(cls="Honour", parts=[""])
def test_vocab_every_key_mints_a_valid_iri_that_parses(cls: str, parts: list[str]) -> None:
    minter = IriMinter()
    key = "/".join(parts)
    iri = str(minter.entity(cls, key))
    assert iri.startswith(DEFAULT_BASE_IRI + SLUGS[cls] + "/")
    pyoxigraph.NamedNode(iri)  # a valid IRI
    ttl = f"<{iri}> <http://x/p> <http://x/o> .\n"
    assert len(list(pyoxigraph.parse(ttl, format=pyoxigraph.RdfFormat.N_TRIPLES))) == 1
    assert minter.entity(cls, key) == URIRef(iri)  # stable


@pytest.mark.issue(13)
def test_vocab_keys_that_differ_mint_iris_that_differ() -> None:
    minter = IriMinter()
    keys = ["a/b", "a//b", "/a/b", "a/b/", "a%2Fb", "a／b", "", "\0"]
    iris = {minter.entity("Honour", k) for k in keys[:-1]}
    assert len(iris) == len(keys) - 1
