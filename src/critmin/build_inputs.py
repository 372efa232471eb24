"""What a build reads: the input graphs, their files, and how sourced triples are
grouped into graphs.

Owns the layout of the inputs (ontology/, shapes/, one data file per source document,
extra generated files), the dataset version (a hash of them) and the partition of
the sourced data into one named graph per set of sources. May import the RDF
toolkit (`rdf_input`) and `namespaces`; `build` imports it, never the reverse.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib

from critmin import __version__
from critmin.rdf.input import parse_file
from critmin.rdf.namespaces import CM, GRAPH, ID, ONTOLOGY_GRAPH, SHAPES_GRAPH, data_graph


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


RELEASE_FILE = "data/RELEASE"  # one line, as CHANGELOG.md's heading: `2026.12.0 (2026-12-01)`


def release_line(home: Path) -> tuple[str, str | None]:
    """The data release the inputs are and its date, from `data/RELEASE`."""
    path = home / RELEASE_FILE
    text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    match = re.fullmatch(r"(\S+)(?:\s+\((\d{4}-\d{2}-\d{2})\))?", text)
    if text and not match:
        raise BuildError(f"{RELEASE_FILE}: expected one line like `2026.12.0 (2026-12-01)`, found {text[:80]!r}")
    return (match.group(1), match.group(2)) if match else ("unreleased", None)


def release(home: Path) -> str:
    """The human-readable data release the inputs are (`data/RELEASE`), or "unreleased"."""
    return release_line(home)[0]


def dataset_version(home: Path, graphs: list[InputGraph]) -> str:
    """A hash of the build logic's version, the release and every input file's path and bytes."""
    digest = hashlib.sha256(f"critmin {__version__}\n{release(home)}\n".encode())
    for graph in graphs:
        for path in graph.files:
            digest.update(display_path(path, home).encode() + b"\0")
            with path.open("rb") as data:  # in blocks: generated inputs run to gigabytes
                while block := data.read(1 << 20):
                    digest.update(block)
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def display_path(path: Path, home: Path) -> str:
    """A file's path relative to the project, or as given when it lies elsewhere."""
    try:
        return str(path.resolve().relative_to(home.resolve()))
    except ValueError:
        return str(path)


EXTRA = f"{GRAPH}extra/"
STREAMABLE = {".nq": ox.RdfFormat.N_QUADS, ".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE,
              ".trig": ox.RdfFormat.TRIG}  # fmt: skip


def extra_graphs(files: list[Path]) -> list[InputGraph]:
    """Additional data (e.g. a generated benchmark graph), one graph per file unless
    the file is N-Quads or TriG with graph names of its own."""
    return [InputGraph(f"{EXTRA}{path.stem}", [path]) for path in files]


def streamable(graph: InputGraph) -> bool:
    """Whether an extra graph can go straight from its files into the store, unread by
    Python: formats that cannot reach outside the file (no remote JSON-LD contexts, no
    XML entities)."""
    return all(path.suffix.lower() in STREAMABLE for path in graph.files)


def read(graph: InputGraph) -> None:
    """Parse a graph's files; quads without a graph name of their own go to the graph."""
    name = ox.NamedNode(graph.name)
    for path in graph.files:
        for quad in parse_file(path):
            keep_graph = isinstance(quad.graph_name, ox.NamedNode)
            graph.quads.append(quad if keep_graph else ox.Quad(quad.subject, quad.predicate, quad.object, name))


def read_sourced(graphs: list[InputGraph], skip: list[InputGraph] = ()) -> list[InputGraph]:
    """Read every graph but those in `skip` (streamed into the store unread), check
    that each data file names a registered source, and group the sourced triples by
    their set of sources."""
    for graph in graphs:
        if all(graph is not other for other in skip):
            read(graph)
    check_graph_sources(graphs)
    return by_source_set(graphs)
