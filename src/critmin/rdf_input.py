"""Reading RDF: format detection and parse errors that name file, line and column.

Parsing goes through pyoxigraph, which never dereferences anything: no remote
JSON-LD contexts, no external XML entities, no network, no file system.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

import pyoxigraph as ox
import rdflib

FORMATS_BY_SUFFIX: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
}


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class RdfInputError(ValueError):
    """Input that cannot be read as RDF; says where and why."""

    message: str
    source: str = "<input>"
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


def format_for_path(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS_BY_SUFFIX))
        raise RdfInputError(f"unknown RDF file type {path.suffix!r} (known: {known})", str(path)) from None


def _syntax_error(error: SyntaxError, source: str) -> RdfInputError:
    message = str(error.msg or error)
    return RdfInputError(message, source, error.lineno, error.offset)


def check_xml(data: bytes, source: str) -> None:
    """Reject XML that is not well-formed or declares entities, before any RDF parsing.

    pyoxigraph's RDF/XML reader accepts a document cut off mid-way; expat does not.
    Entity declarations are refused outright: they are how expansion bombs and
    external-entity reads are built, and no RDF/XML data needs them.
    """
    parser = expat.ParserCreate()

    def refuse_entity(name, *_):
        raise RdfInputError(
            f"XML entity declarations are not accepted (entity {name!r})",
            source,
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )

    parser.EntityDeclHandler = refuse_entity
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise RdfInputError(
            f"malformed XML: {expat.ErrorString(error.code)}", source, error.lineno, error.offset + 1
        ) from None


def parse_quads(
    data: bytes, fmt: ox.RdfFormat, *, source: str = "<input>", base_iri: str | None = None
) -> list[ox.Quad]:
    """Parse a whole document; triples land in the default graph."""
    if fmt == ox.RdfFormat.RDF_XML:
        check_xml(data, source)
    try:
        return list(ox.parse(data, fmt, base_iri=base_iri))
    except SyntaxError as error:
        raise _syntax_error(error, source) from None
    except (ValueError, OSError) as error:
        raise RdfInputError(str(error), source) from None


def parse_file(path: Path) -> list[ox.Quad]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RdfInputError(f"cannot read file: {error.strerror}", str(path)) from None
    return parse_quads(data, format_for_path(path), source=str(path), base_iri=path.resolve().as_uri())


# --- pyoxigraph <-> rdflib ------------------------------------------------------------


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


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
