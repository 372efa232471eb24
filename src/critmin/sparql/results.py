"""Render query results: the standard SPARQL result and RDF formats, and a table."""

from __future__ import annotations

import pyoxigraph as ox

from critmin.rdf.namespaces import PREFIXES

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
ALL_FORMATS = sorted({"table", *RESULT_FORMATS, *GRAPH_FORMATS})


class FormatError(ValueError):
    """The requested format does not fit the kind of result."""


def shorten(term) -> str:
    """A compact, readable rendering of one term for tables."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace) :]}"
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def table(result) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "yes" if bool(result) else "no"
    if isinstance(result, ox.QueryTriples):
        rows = [[shorten(t.subject), shorten(t.predicate), shorten(t.object)] for t in result]
        header = ["subject", "predicate", "object"]
    else:
        header = [v.value for v in result.variables]
        rows = [[shorten(solution[name]) for name in header] for solution in result]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def render(result, fmt: str) -> bytes:
    """Serialise a pyoxigraph query result in the named format."""
    if fmt == "table":
        return (table(result) + "\n").encode()
    if isinstance(result, ox.QueryTriples):
        if fmt not in GRAPH_FORMATS:
            raise FormatError(f"a graph result cannot be written as {fmt!r}; use {', '.join(GRAPH_FORMATS)}")
        return result.serialize(format=GRAPH_FORMATS[fmt])
    if fmt not in RESULT_FORMATS:
        raise FormatError(f"a SELECT/ASK result cannot be written as {fmt!r}; use {', '.join(RESULT_FORMATS)}")
    return result.serialize(format=RESULT_FORMATS[fmt])
