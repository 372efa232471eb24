"""Write query results in the W3C formats, row by row, stopping at a row limit.

pyoxigraph serialises a whole result or nothing; a public endpoint must cut a
result at its row limit and say so. These writers stream solutions (SPARQL JSON,
XML, CSV, TSV) and triples (any RDF syntax pyoxigraph writes) into any binary
stream and report how many rows they wrote and whether they stopped early.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Result format keys and their media types.
SOLUTION_MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_MEDIA_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "trig": "application/trig",
    "nquads": "application/n-quads",
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}
BOOLEAN_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


@dataclass(frozen=True)
class Written:
    rows: int
    truncated: bool


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def write_solutions(result: ox.QuerySolutions, fmt: str, out, limit: int) -> Written:
    """Stream SELECT solutions as `fmt` (json, xml, csv, tsv) to the binary stream `out`."""
    names = [v.value for v in result.variables]
    rows = 0
    truncated = False

    def solutions() -> Iterable:
        nonlocal rows, truncated
        for solution in result:
            if rows >= limit:
                truncated = True
                return
            rows += 1
            yield solution

    if fmt == "json":
        out.write(b'{"head":{"vars":' + json.dumps(names).encode() + b'},"results":{"bindings":[')
        for index, solution in enumerate(solutions()):
            binding = {n: _json_term(solution[n]) for n in names if solution[n] is not None}
            out.write((b"," if index else b"\n") + json.dumps(binding, ensure_ascii=False).encode() + b"\n")
        out.write(b"]}}\n")
    elif fmt == "xml":
        out.write(b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>')
        out.write("".join(f"<variable name={quoteattr(n)}/>" for n in names).encode() + b"</head>\n<results>\n")
        for solution in solutions():
            bindings = "".join(
                f"<binding name={quoteattr(n)}>{_xml_term(solution[n])}</binding>"
                for n in names
                if solution[n] is not None
            )
            out.write(f"<result>{bindings}</result>\n".encode())
        out.write(b"</results>\n</sparql>\n")
    elif fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(names)
        out.write(text.getvalue().encode())
        for solution in solutions():
            text.seek(0)
            text.truncate()
            writer.writerow([_csv_value(solution[n]) for n in names])
            out.write(text.getvalue().encode())
    elif fmt == "tsv":
        out.write(("\t".join(f"?{n}" for n in names) + "\n").encode())
        for solution in solutions():
            out.write(("\t".join("" if solution[n] is None else str(solution[n]) for n in names) + "\n").encode())
    else:
        raise ValueError(f"unknown result format {fmt!r}")
    return Written(rows, truncated)


def write_boolean(result: ox.QueryBoolean, fmt: str, out) -> Written:
    out.write(result.serialize(format=BOOLEAN_FORMATS[fmt]))
    return Written(1, False)


def write_triples(result: ox.QueryTriples, fmt: str, out, limit: int) -> Written:
    """Serialise at most `limit` triples of a CONSTRUCT/DESCRIBE result."""
    triples = []
    truncated = False
    for triple in result:
        if len(triples) >= limit:
            truncated = True
            break
        triples.append(triple)
    out.write(ox.serialize(triples, format=GRAPH_FORMATS[fmt]))
    return Written(len(triples), truncated)
