"""Terms, never text: the one way a value from outside reaches SPARQL text.

Every IRI or literal that comes from a request (a dereferenced path, a graph name, a
filter) is checked and written by pyoxigraph's own term classes, whose N-Triples
form is also valid SPARQL. An IRI with `>`, a space or `{` is refused here, so a
path like `/id/x> ?p ?o . {{{…` can no longer rewrite the query it lands in.
"""

from __future__ import annotations

import pyoxigraph as ox


class InvalidTerm(ValueError):
    """A value that is not a valid RDF term; callers answer 400 or 404, never 500."""


def iri(value: str) -> str:
    """`<value>`, after checking that `value` is an absolute IRI (RFC 3987)."""
    try:
        return str(ox.NamedNode(value))
    except ValueError as error:
        raise InvalidTerm(f"not a valid IRI: {error}") from None


def is_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


def literal(value: str, *, datatype: str | None = None, language: str | None = None) -> str:
    """A quoted SPARQL literal with every special character escaped."""
    try:
        if language:
            return str(ox.Literal(value, language=language))
        if datatype:
            return str(ox.Literal(value, datatype=ox.NamedNode(datatype)))
        return str(ox.Literal(value))
    except ValueError as error:
        raise InvalidTerm(f"not a valid literal: {error}") from None
