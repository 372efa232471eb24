"""Linked-data views of the graph: what a dereferenced IRI returns.

A description holds the resource's outgoing triples, the labels of what it links
to, a bounded list of incoming links, and the sources it cites; `as_graph` turns it
into the RDF document a harvester receives, with document metadata (license,
dataset, primary topic) on the document's own IRI so that it can be told apart
from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from critmin.rdf import terms as sparql_terms
from critmin.rdf.input import to_rdflib_term
from critmin.rdf.namespaces import DATASET_IRI, INFERRED_GRAPH, META_GRAPH, SKOLEM_BASE
from critmin.store import ReadableStore

PUBLIC_BASE = "https://w3id.org/critmin/"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
LICENSE = rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
INCOMING_LIMIT = 100
INCOMING_COUNT_BOUND = 10_000  # past it, pages say "more than 10,000"
LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


@dataclass
class Statement:
    predicate: rdflib.URIRef
    value: rdflib.term.Node
    graph: str
    inferred: bool
    sources: list[str] = field(default_factory=list)  # the documents that state it (its graph's dct:source)


@dataclass
class Source:
    iri: str
    title: str
    issued: str | None
    page: str | None


@dataclass
class Description:
    iri: str
    statements: list[Statement]
    incoming: list[tuple[rdflib.URIRef, rdflib.URIRef]]
    incoming_total: int
    labels: dict[str, str]
    label_triples: list[tuple]
    sources: list[Source]
    replaced_by: str | None = None
    extra: rdflib.Graph = field(default_factory=rdflib.Graph)  # triples of linked nodes shown alongside

    @property
    def label(self) -> str:
        return self.labels.get(self.iri) or self.iri.rsplit("/", 1)[-1]

    @property
    def types(self) -> list[rdflib.URIRef]:
        return [s.value for s in self.statements if s.predicate == RDF.type and not s.inferred]

    @property
    def definition(self) -> str | None:
        for statement in self.statements:
            if statement.predicate in (SKOS.definition, RDFS.comment):
                return str(statement.value)
        return None


def _rows(store: ReadableStore, query: str) -> list[dict]:
    result = store.query(query)
    names = [v.value for v in result.variables]
    return [{n: (to_rdflib_term(s[n]) if s[n] is not None else None) for n in names} for s in result]


def _labels(store: ReadableStore, iris: set[str]) -> tuple[dict[str, str], list[tuple]]:
    """Readable names of `iris`, and the triples that state them."""
    if not iris:
        return {}, []
    values = " ".join(sparql_terms.iri(i) for i in sorted(iris))
    found: dict[str, str] = {}
    triples = []
    rows = _rows(
        store,
        f"""SELECT DISTINCT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }}
            VALUES ?p {{ <{RDFS.label}> <{SKOS.prefLabel}> <{DCTERMS.title}> }} ?x ?p ?l }} ORDER BY ?x ?p ?l""",
    )
    for row in rows:
        triples.append((row["x"], row["p"], row["l"]))
        if row["p"] == RDFS.label and getattr(row["l"], "language", None) in (None, "en"):
            found[str(row["x"])] = str(row["l"])
        else:
            found.setdefault(str(row["x"]), str(row["l"]))
    return found, triples


def describe(store: ReadableStore, iri: str) -> Description | None:
    """The description of `iri`, or None when the graph says nothing about it (or
    `iri` is not a valid IRI: it then cannot be in the graph)."""
    try:
        node = sparql_terms.iri(iri)
    except sparql_terms.InvalidTerm:
        return None
    # Each statement with the sources of the graph it is in (one graph per set of sources).
    outgoing = _rows(
        store,
        f"""SELECT ?p ?o ?g ?source WHERE {{ GRAPH ?g {{ {node} ?p ?o }}
        OPTIONAL {{ GRAPH <{META_GRAPH}> {{ ?g <{DCTERMS.source}> ?source }} }} }}""",
    )
    if not outgoing:
        return None
    seen: dict[tuple, Statement] = {}
    for row in outgoing:
        key = (row["p"], row["o"])
        inferred = str(row["g"]) == str(INFERRED_GRAPH)
        if key not in seen or seen[key].inferred:
            seen[key] = Statement(row["p"], row["o"], str(row["g"]), inferred)
        if row["source"] is not None and str(row["source"]) not in seen[key].sources:
            seen[key].sources.append(str(row["source"]))
    statements = sorted(seen.values(), key=lambda s: (s.predicate != RDF.type, str(s.predicate), str(s.value)))
    # Counted up to a bound: a hub with a million incoming links costs no more than one with ten thousand.
    total = int(
        _rows(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node} }} "
                     f"LIMIT {INCOMING_COUNT_BOUND + 1} }}")[0]["n"]
    )  # fmt: skip
    incoming = [
        (row["s"], row["p"])
        for row in _rows(store, f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node} }} ORDER BY ?s ?p LIMIT {INCOMING_LIMIT}")
    ]
    linked = {iri} | {str(s.value) for s in statements if isinstance(s.value, rdflib.URIRef)}
    linked |= {str(p) for (p,) in ((s.predicate,) for s in statements)} | {str(s) for s, _ in incoming}
    linked |= {source for s in statements for source in s.sources}
    labels, label_triples = _labels(store, linked)
    sources = [
        Source(str(r["s"]), str(r["title"]), r["issued"] and str(r["issued"]), r["page"] and str(r["page"]))
        for r in _rows(
            store,
            f"""SELECT DISTINCT ?s ?title ?issued ?page WHERE {{ {node} <{DCTERMS.source}> ?s .
                ?s <{DCTERMS.title}> ?title OPTIONAL {{ ?s <{DCTERMS.issued}> ?issued }}
                OPTIONAL {{ ?s <{FOAF.page}> ?page }} }} ORDER BY ?title""",
        )
    ]
    replaced = next((str(s.value) for s in statements if s.predicate == DCTERMS.isReplacedBy), None)
    description = Description(iri, statements, incoming, total, labels, label_triples, sources, replaced)
    if any(isinstance(s.value, rdflib.BNode) for s in statements):
        description.extra += _blank_node_objects(store, node)
    return description


def _is_blank(variable: str) -> str:
    """A SPARQL test for "a blank node", also true of blank nodes a remote engine keeps as skolem IRIs."""
    return f'(isBlank({variable}) || STRSTARTS(STR({variable}), "{SKOLEM_BASE}"))'


def _blank_node_objects(store: ReadableStore, node: str, depth: int = 4) -> rdflib.Graph:
    """The triples of the blank nodes `node` points to, `depth` levels down (a concise
    bounded description), in one query anchored on `node`.

    A blank node cannot be named in a query (`_:b` there is a variable, which matched
    every triple of the graph), so the walk starts from the IRI and follows the links.
    """
    template, pattern, close = [], [f"{node} ?p0 ?b1 FILTER {_is_blank('?b1')}"], ""
    for level in range(1, depth + 1):
        template.append(f"?b{level} ?p{level} ?b{level + 1} .")
        if level == 1:
            pattern.append("?b1 ?p1 ?b2")
        else:
            pattern.append(f"OPTIONAL {{ ?b{level} ?p{level} ?b{level + 1} FILTER {_is_blank(f'?b{level}')}")
            close += " }"
    query = f"CONSTRUCT {{ {' '.join(template)} }} WHERE {{ {' '.join(pattern)}{close} }}"
    graph = rdflib.Graph()
    for triple in store.query(query):
        graph.add(tuple(to_rdflib_term(t) for t in (triple.subject, triple.predicate, triple.object)))
    return graph


def is_retired(description: Description) -> bool:
    return description.replaced_by is not None and any(
        s.predicate == OWL.deprecated and str(s.value).lower() == "true" for s in description.statements
    )


def incoming_query(iri: str) -> str:
    return f"SELECT ?subject ?property WHERE {{ ?subject ?property {sparql_terms.iri(iri)} }}"


def as_graph(description: Description, document: str, endpoint: str) -> rdflib.Graph:
    """The RDF document for `description`, served at `document`."""
    graph = rdflib.Graph()
    subject = rdflib.URIRef(description.iri)
    for statement in description.statements:
        graph.add((subject, statement.predicate, statement.value))
    graph += description.extra
    for triple in description.label_triples:
        graph.add(triple)
    for other, predicate in description.incoming:
        graph.add((other, predicate, subject))
    doc = rdflib.URIRef(document)
    graph.add((doc, RDF.type, FOAF.Document))
    graph.add((doc, FOAF.primaryTopic, subject))
    graph.add((doc, DCTERMS.license, LICENSE))
    graph.add((doc, VOID.inDataset, DATASET_IRI))
    if description.incoming_total > len(description.incoming):
        more = f"{endpoint}?{urlencode({'query': incoming_query(description.iri)})}"
        graph.add((doc, RDFS.seeAlso, rdflib.URIRef(more)))
    _bind(graph)
    return graph


def _bind(graph: rdflib.Graph) -> None:
    from critmin.rdf.namespaces import PREFIXES

    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)


def local_path(iri: str) -> str | None:
    """The service path an IRI of ours is served at, or None for other IRIs."""
    if iri.startswith(PUBLIC_BASE + "id/") or iri.startswith(PUBLIC_BASE + "graph/"):
        return "/" + iri[len(PUBLIC_BASE) :]
    if iri.startswith(PUBLIC_BASE + "ontology"):
        return "/ontology" + ("#" + iri.split("#", 1)[1] if "#" in iri else "")
    if iri.startswith(PUBLIC_BASE + "shapes"):
        return "/shapes" + ("#" + iri.split("#", 1)[1] if "#" in iri else "")
    return None


def subject_iris(store: ReadableStore, prefixes: tuple[str, ...] = ("id/",)) -> list[str]:
    """Every IRI under our instance namespace that is the subject of some triple."""
    filters = " || ".join(f'STRSTARTS(STR(?s), "{PUBLIC_BASE}{p}")' for p in prefixes)
    return [
        r["s"].value
        for r in store.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER ({filters}) }} ORDER BY ?s")
        if isinstance(r["s"], ox.NamedNode)
    ]
