"""Corrections to published contributed data, sent as a SPARQL 1.1 Update body made
only of `DELETE DATA` and `INSERT DATA` operations (SPARQL Update 3.1.1-3.1.2).

They are read here as two sets of triples, retractions and additions, and nothing is
executed: the body is parsed with rdflib's SPARQL grammar (pure Python, no network),
every operation must be one of the two data forms (a LOAD, a DELETE/INSERT WHERE, a
GRAPH block or a blank node in DELETE DATA is refused, naming it), and the workflow
then checks that each retraction is held by a published contribution (shipped data
is corrected in the repository and goes out in a release).

Why rdflib and not pyoxigraph: pyoxigraph can only *execute* an update, and executing
an untrusted one (LOAD, say) is what must not happen. The grammar is pyparsing's, so
the body is capped at MAX_BYTES.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from critmin.contributions.input import ContributionError, Limits
from critmin.rdf.input import to_oxigraph_term

MEDIA_TYPE = "application/sparql-update"
MAX_BYTES = 1_000_000


@dataclass
class Correction:
    retractions: list[ox.Triple]
    additions: list[ox.Triple]


def is_correction(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == MEDIA_TYPE


def parse_correction(body: bytes, limits: Limits, skolem_base: str) -> Correction:
    """The retractions and additions of an update body; ContributionError (400 with the
    line and column, 413) for anything else."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    if len(body) > min(MAX_BYTES, limits.max_bytes):
        raise ContributionError(f"a correction body is limited to {min(MAX_BYTES, limits.max_bytes)} bytes", 413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContributionError(f"the update is not UTF-8 (byte {error.start})", 400) from None
    try:
        update = translateUpdate(parseUpdate(text))
    except ParseException as error:
        raise ContributionError(f"malformed SPARQL Update at line {error.lineno}, column {error.col}: {error.msg}",
                                400) from None  # fmt: skip
    except Exception as error:  # rdflib raises plain exceptions for unknown prefixes and the like
        raise ContributionError(f"malformed SPARQL Update: {error}", 400) from None
    retractions: list[ox.Triple] = []
    additions: list[ox.Triple] = []
    for number, operation in enumerate(update.algebra, start=1):
        if operation.name not in ("InsertData", "DeleteData"):
            raise ContributionError(
                f"operation {number} is {operation.name}: a correction holds only DELETE DATA and INSERT DATA", 400
            )
        if operation.get("quads"):
            raise ContributionError(f"operation {number} names a graph: a correction addresses triples only "
                                    "(the contributions that hold them are found for you)", 400)  # fmt: skip
        target = retractions if operation.name == "DeleteData" else additions
        for triple in operation.get("triples") or ():
            if operation.name == "DeleteData" and any(isinstance(t, rdflib.BNode) for t in triple):
                raise ContributionError(f"operation {number}: DELETE DATA may not hold blank nodes", 400)
            target.append(ox.Triple(*(to_oxigraph_term(t) for t in triple)))
    if len(retractions) + len(additions) > limits.max_triples:
        raise ContributionError(f"the correction has more than {limits.max_triples} triples (the limit)", 413)
    if not retractions and not additions:
        raise ContributionError("the update retracts and adds nothing", 400)
    return Correction(retractions, _ground(additions, skolem_base))


def _ground(triples: list[ox.Triple], skolem_base: str) -> list[ox.Triple]:
    skolem: dict[str, ox.NamedNode] = {}

    def ground(term):
        if isinstance(term, ox.BlankNode):
            return skolem.setdefault(term.value, ox.NamedNode(f"{skolem_base}{len(skolem) + 1}"))
        return term

    return [ox.Triple(ground(t.subject), t.predicate, ground(t.object)) for t in triples]
