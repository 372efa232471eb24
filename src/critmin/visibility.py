"""Which graphs the public may see: the one place a request's dataset is checked.

The public union is every graph except the contribution records and unpublished
(staged, rejected) contributions; ContributionService.public_graphs computes that
set once per store state. This module applies it to what a request names:
`default-graph-uri`, `named-graph-uri` (FROM and FROM NAMED in the query text are
overridden by the dataset the worker passes the engine) and Graph Store reads.
A hidden graph named by a request behaves as an empty graph: it is neither shown
nor revealed to exist.
"""

from __future__ import annotations

from collections.abc import Sequence

EMPTY_GRAPH = "urn:critmin:empty"  # a graph name no data is ever written to


def is_public(graph: str, public: Sequence[str] | None) -> bool:
    """`public` None means nothing is hidden."""
    return public is None or graph in public


def restrict(requested: Sequence[str], public: Sequence[str] | None) -> tuple[str, ...]:
    """The requested graphs with every hidden one replaced by the empty graph (so that a
    request naming only hidden graphs does not fall back to the whole union)."""
    if public is None:
        return tuple(requested)
    allowed = set(public)
    return tuple(dict.fromkeys(g if g in allowed else EMPTY_GRAPH for g in requested))
