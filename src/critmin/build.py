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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import rdflib

from critmin import __version__, changes, reasoning, settings, validation
from critmin.namespaces import (
    CM,
    CONTRIBUTED_PREFIX,
    DATASET_IRI,
    GRAPH,
    ID,
    INFERRED_GRAPH,
    INSTANCE_NAMESPACES,
    META_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    data_graph,
)
from critmin.rdf_input import from_rdflib_graph, parse_file, to_rdflib_graph, to_rdflib_term
from critmin.store import CURRENT_LINK, EmbeddedStore, open_new_database, point_current_at

PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


class BuildError(Exception):
    """The build stopped; the previous store is untouched."""


@dataclass
class InputGraph:
    """One named graph and the files it is read from."""

    name: str
    files: list[Path]
    quads: list[ox.Quad] = field(default_factory=list)
    counts: dict[str, int] | None = None  # quads per graph name, when streamed into the store unread
    sources: list[str] = field(default_factory=list)  # the documents that state every triple in it


@dataclass
class BuildResult:
    store_path: Path
    version: str
    changed: bool
    graphs: dict[str, int]


def input_graphs(home: Path) -> list[InputGraph]:
    """The named graphs a build makes, in a fixed order."""
    graphs = [
        InputGraph(str(ONTOLOGY_GRAPH), sorted((home / "ontology").glob("*.ttl"))),
        InputGraph(str(SHAPES_GRAPH), sorted((home / "shapes").glob("*.ttl"))),
    ]
    graphs += [
        InputGraph(data_graph(p.stem), [p], sources=[] if p.stem == REGISTER else [str(ID[f"source/{p.stem}"])])
        for p in sorted((home / "data").glob("*.ttl"))
    ]
    if not graphs[0].files or not graphs[1].files or len(graphs) == 2:
        raise BuildError(f"{home} lacks ontology/, shapes/ or data/ Turtle files")
    return graphs


# data/sources.ttl is the source register (dataset metadata). Every other data file
# holds what one source document states, and is named after that document's key: its
# graph's dct:source in the metadata is how a statement's source is found by SPARQL.
REGISTER = "sources"


def check_graph_sources(graphs: list[InputGraph]) -> None:
    """Refuse a data file whose name is not a registered source's key: its
    statements would have no source."""
    register = next((g for g in graphs if g.name == data_graph(REGISTER)), None)
    documents = {q.subject.value for q in (register.quads if register else [])
                 if q.predicate.value == str(rdflib.RDF.type) and q.object.value == str(CM.SourceDocument)}  # fmt: skip
    for graph in graphs:
        for source in graph.sources:
            if source not in documents:
                files = ", ".join(str(p) for p in graph.files)
                raise BuildError(
                    f"{files}: a data file holds what one source states and is named after its key, "
                    f"but {source} is not a cm:SourceDocument in data/{REGISTER}.ttl"
                )


def by_source_set(graphs: list[InputGraph]) -> list[InputGraph]:
    """Store each sourced triple once, in the graph of exactly the sources that state it.

    The files are one per source, and two sources often state the same triple (five
    lists name aluminum). Oxigraph's union default graph, like a FROM list, is a bag of
    quads: a triple in five graphs would answer five times. So the build partitions
    the triples by the set of their sources: a triple only one document states stays
    in that document's graph (`graph/data/us-usgs-2022`), one that several state goes
    to a graph named after them all (`graph/data/ca-nrcan-2021+us-usgs-2022`) whose
    metadata names each as its dct:source. `GRAPH ?g { s p o } ?g dct:source ?src`
    still gives every source of every triple.
    """
    sourced = [g for g in graphs if g.sources]
    where: dict[tuple, set[str]] = {}
    files: dict[str, list[Path]] = {}
    for graph in sourced:
        stem = graph.name.removeprefix(data_graph(""))
        files[stem] = graph.files
        for quad in graph.quads:
            where.setdefault((quad.subject, quad.predicate, quad.object), set()).add(stem)
    parts: dict[tuple[str, ...], InputGraph] = {}
    for (s, p, o), stems in where.items():
        key = tuple(sorted(stems))
        if key not in parts:
            name = data_graph("+".join(key))
            parts[key] = InputGraph(name, [f for stem in key for f in files[stem]],
                                    sources=[str(ID[f"source/{stem}"]) for stem in key])  # fmt: skip
        parts[key].quads.append(ox.Quad(s, p, o, ox.NamedNode(parts[key].name)))
    return [g for g in graphs if not g.sources] + [parts[k] for k in sorted(parts)]


def dataset_version(home: Path, graphs: list[InputGraph]) -> str:
    """A hash of the build logic's version and every input file's path and bytes."""
    digest = hashlib.sha256(f"critmin {__version__}\n".encode())
    for graph in graphs:
        for path in graph.files:
            digest.update(_display(path, home).encode() + b"\0")
            with path.open("rb") as data:  # in blocks: generated inputs run to gigabytes
                while block := data.read(1 << 20):
                    digest.update(block)
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def _display(path: Path, home: Path) -> str:
    """A file's path relative to the project, or as given when it lies elsewhere."""
    try:
        return str(path.resolve().relative_to(home.resolve()))
    except ValueError:
        return str(path)


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
                meta.add((name, CM.builtFromFile, rdflib.Literal(_display(path, home))))
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


EXTRA = f"{GRAPH}extra/"
STREAMABLE = {".nq": ox.RdfFormat.N_QUADS, ".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE,
              ".trig": ox.RdfFormat.TRIG}  # fmt: skip


def _extra_graphs(files: list[Path]) -> list[InputGraph]:
    """Additional data (e.g. a generated benchmark graph), one graph per file unless
    the file is N-Quads or TriG with graph names of its own."""
    return [InputGraph(f"{EXTRA}{path.stem}", [path]) for path in files]


def streamable(graph: InputGraph) -> bool:
    """Whether an extra graph can go straight from its files into the store, unread by
    Python: formats that cannot reach outside the file (no remote JSON-LD contexts, no
    XML entities)."""
    return all(path.suffix.lower() in STREAMABLE for path in graph.files)


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


def _read(graph: InputGraph) -> None:
    name = ox.NamedNode(graph.name)
    for path in graph.files:
        for quad in parse_file(path):
            keep_graph = isinstance(quad.graph_name, ox.NamedNode)
            graph.quads.append(quad if keep_graph else ox.Quad(quad.subject, quad.predicate, quad.object, name))


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
    contributed = {q.graph_name.value for q in carried if q.graph_name.value.startswith(CONTRIBUTED_PREFIX)}
    return tuple(sorted(contributed - _published_graphs(carried)))


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
    graphs = input_graphs(home) + _extra_graphs(extra or [])
    carried = _contributions_of_live_store(store_path)
    version = _version_with(dataset_version(home, graphs), carried)
    store_path.mkdir(parents=True, exist_ok=True)
    if not force and _live_version(store_path) == version:
        live = EmbeddedStore.open(store_path)
        return BuildResult(store_path, version, False, {s.name: s.triples for s in live.graph_summaries()})

    # Large generated data, unvalidated and reasoned over in the store, never becomes Python objects.
    bulk = not validate and reasoner == "rules"
    streamed = [g for g in graphs if bulk and g.name.startswith(EXTRA) and streamable(g)]
    for graph in graphs:
        if all(graph is not other for other in streamed):
            _read(graph)
    check_graph_sources(graphs)
    graphs = by_source_set(graphs)
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
    changes.record_rebuild(store_path, live, str(DATASET_IRI))
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
    `build`, loaded with the operator's bulk loader (critmin.bulk_load) after dropping
    critmin's previous graphs there. Contributions and Graph Store graphs already on
    the engine are carried over. With reasoner="rules" the entailments are computed
    by SPARQL Update inside the engine, as for large embedded builds."""
    from critmin.store_remote import RemoteStore

    _check_reasoner(reasoner)
    home = home or settings.project_home()
    remote = RemoteStore(url)
    graphs = input_graphs(home) + _extra_graphs(extra or [])
    carried = [q for g in remote.graph_names() if _is_carried(g) for q in remote.graph_quads(g)]
    version = _version_with(dataset_version(home, graphs), carried)
    if not force and remote.dataset_version() == version:
        return BuildResult(state_path, version, False, {s.name: s.triples for s in remote.graph_summaries()})
    for graph in graphs:
        _read(graph)
    check_graph_sources(graphs)
    graphs = by_source_set(graphs)
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
    changes.record_rebuild(state_path, remote, str(DATASET_IRI))
    return BuildResult(state_path, version, True, {s.name: s.triples for s in remote.graph_summaries()})
