"""Build the store from ontology/, shapes/ and data/.

Every input file is parsed (a syntax error stops the build with file:line:column),
the OWL 2 RL entailments are materialised, the data is validated against the
shapes, and only then is a new database written and made live. A build whose
inputs have not changed is a no-op, so building is idempotent and cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import rdflib

from critmin import settings
from critmin.build_inputs import (
    EXTRA,
    STREAMABLE,
    BuildError,
    InputGraph,
    dataset_version,
    display_path,
    extra_graphs,
    input_graphs,
    read_sourced,
    release_line,
    streamable,
)
from critmin.rdf.input import from_rdflib_graph, to_rdflib_graph, to_rdflib_term
from critmin.rdf.namespaces import (
    CM,
    CONTRIBUTED_PREFIX,
    DATASET_IRI,
    GRAPH,
    INFERRED_GRAPH,
    INSTANCE_NAMESPACES,
    META_GRAPH,
    ONTOLOGY_GRAPH,
)
from critmin.semantics import reasoning, validation
from critmin.store import visibility
from critmin.store.targets import BuildTarget, open_target

PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@dataclass
class BuildResult:
    store_path: Path
    version: str
    changed: bool
    graphs: dict[str, int]


def _as_rdflib(graphs: list[InputGraph]) -> rdflib.Graph:
    return to_rdflib_graph(q for g in graphs for q in g.quads)


def _metadata(home: Path, version: str, graphs: list[InputGraph], inferred: int,
              written: Iterable[str] = ()) -> rdflib.Graph:  # fmt: skip
    """The dataset's description: version, build time and every named graph (those
    built from files, the inferences, and `written` ones carried over from the Graph
    Store Protocol; a remote store finds critmin's graphs by this list)."""
    meta = rdflib.Graph()
    meta.add((DATASET_IRI, rdflib.RDF.type, SD.Dataset))
    meta.add((DATASET_IRI, CM.datasetVersion, rdflib.Literal(version)))
    name, issued = release_line(home)
    meta.add((DATASET_IRI, CM.releaseVersion, rdflib.Literal(name)))
    if issued:
        meta.add((DATASET_IRI, rdflib.DCTERMS.issued, rdflib.Literal(issued, datatype=rdflib.XSD.date)))
    built = datetime.now(UTC).replace(microsecond=0)
    meta.add((DATASET_IRI, rdflib.DCTERMS.modified, rdflib.Literal(built.isoformat(), datatype=rdflib.XSD.dateTime)))
    for graph in graphs:
        counts: dict[str, int] = dict(graph.counts or {})
        for quad in graph.quads:  # an N-Quads or TriG file may name graphs of its own
            counts[quad.graph_name.value] = counts.get(quad.graph_name.value, 0) + 1
        for graph_name, count in (counts or {graph.name: 0}).items():
            name = rdflib.URIRef(graph_name)
            meta.add((DATASET_IRI, SD.namedGraph, name))
            meta.add((name, rdflib.RDF.type, SD.NamedGraph))
            meta.add((name, rdflib.RDF.type, PROV.Entity))
            meta.add((name, CM.tripleCount, rdflib.Literal(count)))
            for path in graph.files:
                meta.add((name, CM.builtFromFile, rdflib.Literal(display_path(path, home))))
            for source in graph.sources:
                meta.add((name, rdflib.DCTERMS.source, rdflib.URIRef(source)))
    for graph_name in sorted(written):
        meta.add((DATASET_IRI, SD.namedGraph, rdflib.URIRef(graph_name)))
    meta.add((DATASET_IRI, SD.namedGraph, INFERRED_GRAPH))
    meta.add((INFERRED_GRAPH, rdflib.RDF.type, SD.NamedGraph))
    meta.add((INFERRED_GRAPH, CM.tripleCount, rdflib.Literal(inferred)))
    meta.add((INFERRED_GRAPH, rdflib.RDFS.comment, rdflib.Literal("OWL 2 RL entailments (owlrl)")))
    return meta


def _stream(graph: InputGraph, target: BuildTarget, store) -> None:
    """Load an extra graph with the target's file loader (no Python object per quad),
    counting its quads per graph name for the metadata."""
    before = _quads_per_graph(store)
    for path in graph.files:
        try:
            target.stream(store, path, STREAMABLE[path.suffix.lower()], graph.name)
        except (SyntaxError, ValueError) as error:
            raise BuildError(f"{path}: {error}") from None
    after = _quads_per_graph(store)
    graph.counts = {name: n - before.get(name, 0) for name, n in after.items() if n != before.get(name, 0)}


def _quads_per_graph(store) -> dict[str, int]:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                       named_graphs=store.named_graphs())  # fmt: skip
    return {row["g"].value: int(row["n"].value) for row in rows}


def _is_carried(graph: str) -> bool:
    """Whether a graph was written to the store rather than built: contributions and
    their records, or a Graph Store graph (outside our graph namespace)."""
    return graph.startswith(CONTRIBUTED_PREFIX) or not graph.startswith(str(GRAPH))


def _check_reasoner(reasoner: str) -> None:
    if reasoner not in ("owlrl", "rules"):
        raise BuildError(f"unknown reasoner {reasoner!r}: use owlrl or rules")


def _unpublished_graphs(carried: list[ox.Quad]) -> tuple[str, ...]:
    """Carried graphs the rule reasoner must not read: staged or withdrawn contributions,
    and their records. (Graph Store graphs are public: they are read.)"""
    names = {q.graph_name.value for q in carried}
    return tuple(sorted(visibility.hidden_graphs(names, _published_graphs(carried))))


def _written_graphs(carried: list[ox.Quad]) -> set[str]:
    """The carried graphs written through the Graph Store Protocol (not under our graph namespace)."""
    return {q.graph_name.value for q in carried if not q.graph_name.value.startswith(str(GRAPH))}


def _published_graphs(carried: list[ox.Quad]) -> set[str]:
    """The graphs of carried contributions whose record says `published`."""
    status, graph_of = {}, {}
    for quad in carried:
        if quad.predicate.value == str(CM.status):
            status[quad.subject.value] = quad.object.value
        elif quad.predicate.value == str(CM.contributionGraph):
            graph_of[quad.subject.value] = quad.object.value
    return {graph for record, graph in graph_of.items() if status.get(record) == "published"}


def _version_with(version: str, carried: list[ox.Quad]) -> str:
    """The dataset version: the inputs' digest, moved on by whatever is carried over."""
    if not carried:
        return version
    digest = hashlib.sha256("\n".join(sorted(str(q) for q in carried)).encode()).hexdigest()
    return hashlib.sha256(f"{version}|{digest}".encode()).hexdigest()[:16]


def _gate_and_entail(graphs: list[InputGraph], carried: list[ox.Quad], *, validate: bool,
                     reasoner: str) -> list[ox.Quad]:  # fmt: skip
    """The SHACL gate over the public data (files, published contributions, Graph Store
    graphs) unless `validate` is off, and with reasoner="owlrl" the entailments as quads
    (rules run later, in the store)."""
    ontology = _as_rdflib(graphs[:1])
    if not validate and reasoner != "owlrl":
        return []
    data = _as_rdflib(graphs[2:])
    public = _published_graphs(carried) | _written_graphs(carried)
    for quad in carried:
        if quad.graph_name.value in public:
            data.add((to_rdflib_term(quad.subject), to_rdflib_term(quad.predicate), to_rdflib_term(quad.object)))
    if validate:
        report = validation.validate(data, ontology=ontology, shapes=_as_rdflib(graphs[1:2]))
        if not report.conforms:
            raise BuildError("the data does not conform to the shapes:\n" + report.to_text())
    if reasoner != "owlrl":
        return []
    return from_rdflib_graph(reasoning.entailments(ontology, data), str(INFERRED_GRAPH))


def build(
    location: Path | str,
    home: Path | None = None,
    *,
    force: bool = False,
    extra: list[Path] | None = None,
    reasoner: str = "owlrl",
    validate: bool = True,
) -> BuildResult:
    """Build (or keep, if unchanged) the store at `location`: a folder (the embedded
    store) or a SPARQL engine's URL; one pipeline for both (critmin.store.targets).

    `reasoner` is "owlrl" (the OWL 2 RL closure in memory) or "rules" (the same
    entailments the queries use, computed by SPARQL rules inside the store, for
    graphs too large for owlrl). `validate=False` skips the SHACL gate for large
    generated data; the shipped data is always validated by the test suite.
    Contributions and Graph Store graphs already in the store are carried over.
    """
    _check_reasoner(reasoner)
    home = home or settings.project_home()
    target = open_target(location)
    result_path = settings.state_path_for(location)
    graphs = input_graphs(home) + extra_graphs(extra or [])
    carried = target.carried(_is_carried)
    version = _version_with(dataset_version(home, graphs), carried)
    if not force and target.current_version() == version:
        return BuildResult(result_path, version, False, target.summaries())

    # Large generated data, unvalidated and reasoned over in the store, never becomes Python objects.
    bulk = not validate and reasoner == "rules" and target.streams_files
    streamed = [g for g in graphs if bulk and g.name.startswith(EXTRA) and streamable(g)]
    graphs = read_sourced(graphs, skip=streamed)
    quads = [q for g in graphs for q in g.quads] + carried
    quads += _gate_and_entail(graphs, carried, validate=validate, reasoner=reasoner)

    store = target.begin(version)
    target.load(store, quads)
    for graph in streamed:
        _stream(graph, target, store)
    if reasoner == "rules":
        reasoning.materialise(
            store, str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH), INSTANCE_NAMESPACES, _unpublished_graphs(carried)
        )
    inferred = store.count(str(INFERRED_GRAPH))
    metadata = _metadata(home, version, graphs, inferred, _written_graphs(carried))
    store.extend(from_rdflib_graph(metadata, str(META_GRAPH)))
    target.finish(store)
    result_path.mkdir(parents=True, exist_ok=True)
    return BuildResult(result_path, version, True, target.summaries())
