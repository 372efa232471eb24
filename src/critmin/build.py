"""Build the store from ontology/, shapes/ and data/.

Every input file is parsed (a syntax error stops the build with file:line:column),
the OWL 2 RL entailments are materialised, the data is validated against the
shapes, and only then is a new database written and made live. A build whose
inputs have not changed is a no-op, so building is idempotent and cheap.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import rdflib

from critmin import reasoning, settings, validation
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
from critmin.namespaces import (
    CM,
    CONTRIBUTED_PREFIX,
    DATASET_IRI,
    GRAPH,
    INFERRED_GRAPH,
    INSTANCE_NAMESPACES,
    META_GRAPH,
    ONTOLOGY_GRAPH,
)
from critmin.rdf_input import from_rdflib_graph, to_rdflib_graph, to_rdflib_term
from critmin.store import CURRENT_LINK, EmbeddedStore, open_new_database, point_current_at, visibility

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


def _live_version(store_path: Path) -> str | None:
    if not (store_path / CURRENT_LINK).exists():
        return None
    try:
        return EmbeddedStore.open(store_path).dataset_version()
    except OSError:
        return None


def _stream(graph: InputGraph, db: ox.Store) -> None:
    """Load an extra graph with pyoxigraph's bulk loader (in Rust, without a Python
    object per quad: the difference between 8 GB and a few hundred MB at 10M triples),
    counting its quads per graph name for the metadata."""
    before = _quads_per_graph(db)
    for path in graph.files:
        try:
            db.bulk_load(path=str(path), format=STREAMABLE[path.suffix.lower()], base_iri=path.resolve().as_uri(),
                         to_graph=ox.NamedNode(graph.name))  # fmt: skip
        except (SyntaxError, ValueError) as error:
            raise BuildError(f"{path}: {error}") from None
    after = _quads_per_graph(db)
    graph.counts = {name: n - before.get(name, 0) for name, n in after.items() if n != before.get(name, 0)}


def _quads_per_graph(db: ox.Store) -> dict[str, int]:
    rows = db.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"].value: int(row["n"].value) for row in rows}


def _contributions_of_live_store(store_path: Path) -> list[ox.Quad]:
    """What was written to the store rather than built from files (contributions, their
    records, graphs written through the Graph Store Protocol): a rebuild carries it over
    rather than lose it. Graphs the build makes itself are made afresh."""
    if not (store_path / CURRENT_LINK).exists():
        return []
    live = EmbeddedStore.open(store_path)
    return [q for name in live.named_graphs() if _is_carried(name) for q in live.graph_quads(name)]


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
    store_path: Path,
    home: Path | None = None,
    *,
    force: bool = False,
    extra: list[Path] | None = None,
    reasoner: str = "owlrl",
    validate: bool = True,
) -> BuildResult:
    """Build (or keep, if unchanged) the store at `store_path`.

    `reasoner` is "owlrl" (the OWL 2 RL closure in memory) or "rules" (the same
    entailments the queries use, computed by SPARQL rules inside the store, for
    graphs too large for owlrl). `validate=False` skips the SHACL gate for large
    generated data; the shipped data is always validated by the test suite.
    """
    _check_reasoner(reasoner)
    home = home or settings.project_home()
    graphs = input_graphs(home) + extra_graphs(extra or [])
    carried = _contributions_of_live_store(store_path)
    version = _version_with(dataset_version(home, graphs), carried)
    store_path.mkdir(parents=True, exist_ok=True)
    if not force and _live_version(store_path) == version:
        live = EmbeddedStore.open(store_path)
        return BuildResult(store_path, version, False, {s.name: s.triples for s in live.graph_summaries()})

    # Large generated data, unvalidated and reasoned over in the store, never becomes Python objects.
    bulk = not validate and reasoner == "rules"
    streamed = [g for g in graphs if bulk and g.name.startswith(EXTRA) and streamable(g)]
    graphs = read_sourced(graphs, skip=streamed)
    quads = [q for g in graphs for q in g.quads] + carried
    quads += _gate_and_entail(graphs, carried, validate=validate, reasoner=reasoner)

    unique = f"{version}-{os.getpid()}-{time.time_ns()}"
    database = store_path / f"db-{unique}"
    staging = store_path / f".staging-{unique}"
    with open_new_database(staging) as db:
        for graph in streamed:
            _stream(graph, db)
        db.bulk_extend(quads)
        if reasoner == "rules":
            reasoning.materialise_with_rules(
                db, str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH), INSTANCE_NAMESPACES, _unpublished_graphs(carried)
            )
        inferred = sum(1 for _ in db.quads_for_pattern(None, None, None, ox.NamedNode(str(INFERRED_GRAPH))))
        written = _written_graphs(carried)
        db.bulk_extend(from_rdflib_graph(_metadata(home, version, graphs, inferred, written), str(META_GRAPH)))
    staging.rename(database)
    point_current_at(store_path, database)
    for old in [*store_path.glob("db-*"), *store_path.glob(".staging-*")]:
        if old != database:
            shutil.rmtree(old, ignore_errors=True)
    live = EmbeddedStore.open(store_path)
    return BuildResult(store_path, version, True, {s.name: s.triples for s in live.graph_summaries()})


def build_remote(
    url: str,
    state_path: Path,
    home: Path | None = None,
    *,
    force: bool = False,
    extra: list[Path] | None = None,
    reasoner: str = "owlrl",
    validate: bool = True,
) -> BuildResult:
    """Build into a remote SPARQL engine: the same graphs, inferences and metadata as
    `build`, loaded with the operator's bulk loader (critmin.store.bulk_load) after dropping
    critmin's previous graphs there. Contributions and Graph Store graphs already on
    the engine are carried over. With reasoner="rules" the entailments are computed
    by SPARQL Update inside the engine, as for large embedded builds."""
    from critmin.store.remote import RemoteStore

    _check_reasoner(reasoner)
    home = home or settings.project_home()
    remote = RemoteStore(url)
    graphs = input_graphs(home) + extra_graphs(extra or [])
    carried = [q for g in remote.graph_names() if _is_carried(g) for q in remote.graph_quads(g)]
    version = _version_with(dataset_version(home, graphs), carried)
    if not force and remote.dataset_version() == version:
        return BuildResult(state_path, version, False, {s.name: s.triples for s in remote.graph_summaries()})
    graphs = read_sourced(graphs)
    quads = [q for g in graphs for q in g.quads] + carried
    quads += _gate_and_entail(graphs, carried, validate=validate, reasoner=reasoner)
    remote.replace_everything(quads)
    if reasoner == "rules":
        reasoning.materialise_with_rules(
            remote, str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH), INSTANCE_NAMESPACES, _unpublished_graphs(carried)
        )
    inferred = remote.count(str(INFERRED_GRAPH))
    metadata = _metadata(home, version, graphs, inferred, _written_graphs(carried))
    remote.extend(from_rdflib_graph(metadata, str(META_GRAPH)))
    state_path.mkdir(parents=True, exist_ok=True)
    return BuildResult(state_path, version, True, {s.name: s.triples for s in remote.graph_summaries()})
