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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from critmin.rdf import formats

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Result format keys and their media types and writers: from the one format table.
SOLUTION_MEDIA_TYPES = formats.media_types("solutions")
GRAPH_MEDIA_TYPES = formats.media_types("graph")
GRAPH_FORMATS = {key: formats.BY_KEY[key].oxigraph for key in GRAPH_MEDIA_TYPES}
BOOLEAN_FORMATS = {key: formats.BY_KEY[key].oxigraph for key in formats.media_types("boolean")}


@dataclass(frozen=True)
class Written:
    rows: int
    truncated: bool


class UnwritableValue(ValueError):
    """A value the chosen format cannot carry (a C0 control character in XML 1.0)."""


def _json_term(term) -> dict:
    """SPARQL 1.2 Query Results JSON: triple terms as nested objects, base direction as its:dir."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction)
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {
        "subject": _json_term(term.subject), "predicate": _json_term(term.predicate), "object": _json_term(term.object)
    }}  # fmt: skip


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    """Character data that survives an XML 1.0 parser: CR as a reference (a raw CR is
    normalised away), and C0 controls refused (XML 1.0 cannot carry them at all)."""
    bad = _XML_FORBIDDEN.search(value)
    if bad:
        raise UnwritableValue(
            f"a value holds the control character U+{ord(bad.group()):04X}, which XML 1.0 cannot carry; "
            "ask for JSON (application/sparql-results+json) instead"
        )
    return escape(value).replace("\r", "&#13;")


def _xml_term(term) -> str:
    """SPARQL 1.2 Query Results XML: <triple>, and its:dir for the base direction."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")  # fmt: skip
    if term.language:
        direction = ""
        if term.direction is not None:
            direction = f' its:dir="{term.direction}" xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0"'
        return f"<literal xml:lang={quoteattr(term.language)}{direction}>{_xml_text(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{_xml_text(term.value)}</literal>"
    return f"<literal>{_xml_text(term.value)}</literal>"


def _csv_value(term) -> str:
    """SPARQL CSV: plain values (a triple term as its three values, as pyoxigraph writes it)."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return " ".join(_csv_value(t) for t in (term.subject, term.predicate, term.object))
    return term.value


_TSV_ABBREVIATED = {  # datatype: the Turtle production a lexical form must match to be written bare
    "http://www.w3.org/2001/XMLSchema#integer": re.compile(r"[+-]?[0-9]+"),
    "http://www.w3.org/2001/XMLSchema#decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    "http://www.w3.org/2001/XMLSchema#double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    "http://www.w3.org/2001/XMLSchema#boolean": re.compile(r"true|false"),
}


def _tsv_term(term) -> str:
    """SPARQL TSV: terms in Turtle/N-Triples syntax, numbers and booleans abbreviated when
    their lexical form is Turtle's own, triple terms as <<( s p o )>>."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} {_tsv_term(term.object)} )>>"
    if isinstance(term, ox.Literal) and not term.language:
        pattern = _TSV_ABBREVIATED.get(term.datatype.value)
        if pattern is not None and pattern.fullmatch(term.value):
            return term.value
    return str(term)


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
            out.write(("\t".join(_tsv_term(solution[n]) for n in names) + "\n").encode())
    else:
        raise ValueError(f"unknown result format {fmt!r}")
    return Written(rows, truncated)


def write_boolean(result: ox.QueryBoolean, fmt: str, out) -> Written:
    """ASK. CSV and TSV have no boolean form in the specification; like Jena, write one
    column `_askResult` with a header and a line end, so that CSV readers get a table."""
    if fmt == "csv":
        out.write(b"_askResult\r\n" + (b"true" if bool(result) else b"false") + b"\r\n")
    elif fmt == "tsv":
        out.write(b"?_askResult\n" + (b"true" if bool(result) else b"false") + b"\n")
    else:
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
