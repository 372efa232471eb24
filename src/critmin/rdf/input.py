"""Reading RDF: format detection and parse errors that name file, line and column.

Parsing goes through pyoxigraph, which never dereferences anything: no remote
JSON-LD contexts, no external XML entities, no network, no file system.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib

from critmin.rdf import formats
from critmin.rdf.parse_guard import RdfInputError, parse_bounded

__all__ = ["RdfInputError", "format_for_path", "parse_file", "parse_quads"]

FORMATS_BY_SUFFIX: dict[str, ox.RdfFormat] = {s: f.oxigraph for s, f in formats.RDF_BY_SUFFIX.items()}


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def format_for_path(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS_BY_SUFFIX))
        raise RdfInputError(f"unknown RDF file type {path.suffix!r} (known: {known})", str(path)) from None


def parse_quads(
    data: bytes, fmt: ox.RdfFormat, *, source: str = "<input>", base_iri: str | None = None
) -> list[ox.Quad]:
    """Parse a whole document of trusted origin (the project's files); triples land in
    the default graph. Bodies from requests go through critmin.rdf.untrusted instead."""
    return parse_bounded(data, fmt, source=source, base_iri=base_iri)


def parse_file(path: Path) -> list[ox.Quad]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RdfInputError(f"cannot read file: {error.strerror}", str(path)) from None
    return parse_quads(data, format_for_path(path), source=str(path), base_iri=path.resolve().as_uri())


# --- pyoxigraph <-> rdflib ------------------------------------------------------------


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    """The same term for rdflib, lexical form kept (`normalize=False`): rdflib would
    rewrite the store's "...Z" dateTime as "...+00:00", and documents written from these
    terms must carry the literals the dumps and patches hold."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value), normalize=False)


def to_oxigraph_term(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        datatype = term.datatype or rdflib.XSD.string
        return ox.Literal(str(term), datatype=ox.NamedNode(str(datatype)))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib_graph(triples) -> rdflib.Graph:
    """Copy quads or triples (graph names dropped) into an rdflib graph."""
    graph = rdflib.Graph()
    for item in triples:
        graph.add((to_rdflib_term(item.subject), to_rdflib_term(item.predicate), to_rdflib_term(item.object)))
    return graph


def from_rdflib_graph(graph: rdflib.Graph, graph_name: str) -> list[ox.Quad]:
    name = ox.NamedNode(graph_name)
    return [ox.Quad(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o), name) for s, p, o in graph]
