"""Bounded RDF parsing: the checks that run before pyoxigraph sees a body, and a
parse that stops at a quad limit.

pyoxigraph 0.5.13 recurses on nesting: JSON-LD nested about 10,000 deep overflows
its stack and kills the process (a segfault, not an exception), and its RDF/XML
reader is quadratic in depth. So nesting is bounded here, before the parser runs,
with a clear error naming where. This module imports nothing heavy (no rdflib): the
untrusted-input sandbox (critmin.rdf.untrusted) runs it in a short-lived child process.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from xml.parsers import expat

import pyoxigraph as ox

# JSON-LD objects/arrays and RDF/XML elements; real data stays under 20. The variable
# exists so that a test can lift the bound and watch the sandbox survive a real crash.
# Read directly: this module runs in the sandboxed parser child, kept small (no settings
# import); the parent checks the value (critmin.settings.Environment.parse_max_depth).
MAX_DEPTH = int(os.environ.get("CRITMIN_PARSE_MAX_DEPTH") or 100)


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

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


class TooManyQuads(ValueError):
    """The input holds more quads than allowed; parsing stopped at limit + 1."""

    def __init__(self, limit: int):
        super().__init__(f"the input has more than {limit} triples; the limit is {limit}")
        self.limit = limit


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def check_json_depth(data: bytes, source: str, limit: int | None = None) -> None:
    """Refuse JSON nested deeper than `limit` (strings skipped, so brackets in values don't count)."""
    limit = limit or MAX_DEPTH
    blanked = _JSON_STRING.sub(lambda m: b"_" * len(m.group()), data)
    depth = 0
    for match in _JSON_BRACKET.finditer(blanked):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > limit:
            line, column = _line_and_column(data, match.start())
            raise RdfInputError(f"JSON nested deeper than {limit} levels is not accepted", source, line, column)


def check_xml(data: bytes, source: str, limit: int | None = None) -> None:
    """Reject XML that is not well-formed, declares entities or nests past `limit`.

    pyoxigraph's RDF/XML reader accepts a document cut off mid-way; expat does not.
    Entity declarations are refused outright: they are how expansion bombs and
    external-entity reads are built, and no RDF/XML data needs them.
    """
    limit = limit or MAX_DEPTH
    parser = expat.ParserCreate()
    depth = 0

    def refuse(message: str):
        raise RdfInputError(message, source, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def start(*_):
        nonlocal depth
        depth += 1
        if depth > limit:
            refuse(f"XML nested deeper than {limit} elements is not accepted")

    def end(*_):
        nonlocal depth
        depth -= 1

    parser.EntityDeclHandler = lambda name, *_: refuse(f"XML entity declarations are not accepted (entity {name!r})")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise RdfInputError(
            f"malformed XML: {expat.ErrorString(error.code)}", source, error.lineno, error.offset + 1
        ) from None


def parse_bounded(
    data: bytes,
    fmt: ox.RdfFormat,
    *,
    source: str = "<input>",
    base_iri: str | None = None,
    max_quads: int | None = None,
) -> list[ox.Quad]:
    """Parse a whole document (triples land in the default graph), after the nesting
    checks; stops reading at `max_quads` + 1 with TooManyQuads."""
    if fmt == ox.RdfFormat.RDF_XML:
        check_xml(data, source)
    elif fmt == ox.RdfFormat.JSON_LD:
        check_json_depth(data, source)
    quads: list[ox.Quad] = []
    try:
        for quad in ox.parse(data, fmt, base_iri=base_iri):
            quads.append(quad)
            if max_quads is not None and len(quads) > max_quads:
                raise TooManyQuads(max_quads)
    except SyntaxError as error:
        raise RdfInputError(str(error.msg or error), source, error.lineno, error.offset) from None
    except (ValueError, OSError) as error:
        if isinstance(error, TooManyQuads):
            raise
        raise RdfInputError(str(error), source) from None
    return quads
