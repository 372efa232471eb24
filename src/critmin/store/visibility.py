"""Which graphs the public may see: the one place that decides it.

The public union is every graph except the contribution records and every
contribution graph that is not a published contribution's (staged data, a
correction's retractions, anything a crash left half-way). `hidden_graphs` is the
rule; `Visibility` applies it to a live store once per store state; query
execution, the feed, dumps, VoID, validation context, the reasoner and the build
all ask here. This module also applies the public set to what a request names:
`default-graph-uri`, `named-graph-uri` (or, where a request names neither, the
query's FROM and FROM NAMED: sparql/service.query_dataset) and Graph Store reads. A
hidden graph named by a request behaves as an empty graph: it is neither shown nor
revealed to exist.

May import: critmin.rdf.namespaces only (the store is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from critmin.rdf.namespaces import (
    CM,
    CONTRIBUTED_PREFIX,
    CONTRIBUTION_ID,
    PRIVATE_PREFIX,
    RECORDS_GRAPH,
)

EMPTY_GRAPH = "urn:critmin:empty"  # a graph name no data is ever written to


def hidden_graphs(named: Iterable[str], published: set[str]) -> set[str]:
    """The rule: the records graph, every contribution graph not in `published` (the
    graphs of published contributions) and the private graphs replicas share (tokens).
    Graph Store graphs and built graphs are public."""
    return {
        g for g in named if g.startswith(PRIVATE_PREFIX) or (g.startswith(CONTRIBUTED_PREFIX) and g not in published)
    }


@dataclass(frozen=True)
class Staged:
    """A staged contribution's graph, whose it is (the token id) and its record id."""

    graph: str
    identifier: str
    contributor_id: str | None


_CONTRIBUTIONS = f"""SELECT ?c ?g ?status ?token WHERE {{ GRAPH <{RECORDS_GRAPH}> {{
    ?c <{CM.contributionGraph}> ?g ; <{CM.status}> ?status OPTIONAL {{ ?c <{CM.contributorToken}> ?token }} }} }}"""


class Visibility:
    """The policy applied to one live store (embedded or remote), cached per store state."""

    def __init__(self, live):
        self.live = live
        self._cache: tuple[str, tuple[str, ...] | None, tuple[Staged, ...]] = ("", None, ())

    @classmethod
    def of(cls, live) -> Visibility:
        """The store's policy, made once and installed as the filter of queries that
        name no dataset (so that every reader of `live` sees the public union)."""
        existing = getattr(live, "visibility", None)
        if existing is None:
            existing = live.visibility = cls(live)
            live.show_only(existing.public_graphs)
        return existing

    def _state(self) -> tuple[str, tuple[str, ...] | None, tuple[Staged, ...]]:
        generation = self.live.generation
        if self._cache[0] != generation:
            store = self.live.get()
            names = store.named_graphs()
            rows = list(store.query(_CONTRIBUTIONS, named_graphs=[RECORDS_GRAPH]))
            published = {r["g"].value for r in rows if r["status"].value == "published"}
            staged = tuple(
                Staged(r["g"].value, r["c"].value.removeprefix(CONTRIBUTION_ID), r["token"] and r["token"].value)
                for r in rows
                if r["status"].value == "staged"
            )
            hidden = hidden_graphs(names, published) | {RECORDS_GRAPH}
            visible = tuple(g for g in names if g not in hidden)
            # A remote engine always gets the list (fail closed): its union would also take
            # graphs written after this list was made (a contribution's records, before
            # the writer moved the generation) and graphs that are not critmin's.
            closed = store.capabilities.engine_url is not None
            self._cache = (generation, visible if closed or len(visible) != len(names) else None, staged)
        return self._cache

    def public_graphs(self) -> tuple[str, ...] | None:
        """The graphs of the public union; None when nothing is hidden on the embedded
        store (queries then use the store's own union of all graphs, which is faster than
        a list). Never None on a remote engine."""
        return self._state()[1]

    def hidden(self) -> tuple[str, ...]:
        """The graphs the public and the reasoner do not read."""
        public = self.public_graphs()
        if public is None:
            return ()
        shown = set(public)
        return tuple(sorted(g for g in self.live.get().named_graphs() if g not in shown))

    def staged(self) -> tuple[Staged, ...]:
        return self._state()[2]

    def context_graphs(self, own: Iterable[str] = (), without: Iterable[str] = ()) -> tuple[str, ...]:
        """What a validation reads: the public graphs, plus the named staged graphs (a
        contributor's own), minus `without` (the graph a revision replaces)."""
        public = self.public_graphs()
        base = list(public) if public is not None else self.live.get().named_graphs()
        dropped = set(without)
        return tuple(dict.fromkeys(g for g in [*base, *own] if g not in dropped))


def dataset(defaults: Sequence[str], named: Sequence[str], public: Sequence[str] | None,
            ) -> tuple[tuple[str, ...], tuple[str, ...]]:  # fmt: skip
    """The dataset a query runs on: the one it names (already `restrict`ed), else the
    public graphs as default graph (their union) and named graphs. Both empty: nothing
    is hidden and none named, so the engine's own union of all graphs."""
    if defaults or named:
        return tuple(defaults), tuple(named)
    if public is None:
        return (), ()
    return tuple(public), tuple(public)


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
