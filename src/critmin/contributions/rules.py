"""What a submission declares and the governance rules checked before it is stored.

A `Submission` carries the parsed triples (and a correction's retractions), what it
declares (`revises`, `depends_on`), and what follows from them: the graphs its
validation reads (critmin.store.visibility.context_graphs), the retractions that vanish
from the public union, the contributions it corrects, and, after validation, the
staged contributions it actually relied on. Refusals name the contribution concerned
and are raised before anything is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from critmin.contributions.input import ContributionError
from critmin.linked_data.describe import local_path
from critmin.rdf.namespaces import CONTRIBUTION_GRAPH
from critmin.store.visibility import Staged

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LIST_CLASS = ox.NamedNode("https://w3id.org/critmin/ontology#CriticalMineralList")
NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
BATCH = 400


@dataclass
class Submission:
    triples: list[ox.Triple]
    retractions: list[ox.Triple] = field(default_factory=list)
    graphs: tuple[str, ...] | None = None  # what validation reads (None: the public graphs)
    without: tuple[str, ...] = ()  # the graph a revision replaces
    chosen: tuple[Staged, ...] = ()  # the staged contributions validation may rely on
    owner: str | None = None  # the submitter's token id
    targets: dict[str, list[ox.Triple]] = field(default_factory=dict)  # corrected id -> its retractions
    vanishing: list[ox.Triple] = field(default_factory=list)  # retractions no other public graph holds
    dependencies: tuple[str, ...] = ()
    report: object = None

    @property
    def size(self) -> int:
        return len(self.triples) + len(self.retractions)

    @property
    def corrected(self) -> tuple[str, ...]:
        return tuple(sorted(self.targets))

    def owns(self, staged: Staged) -> bool:
        return self.owner is not None and staged.contributor_id == self.owner

    def quads(self, graph: str) -> list[ox.Quad]:
        """The data in the contribution's graph, each correction's retractions beside it."""
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in self.triples]
        for target, triples in self.targets.items():
            side = ox.NamedNode(f"{graph}/retracts/{target}")
            quads += [ox.Quad(t.subject, t.predicate, t.object, side) for t in triples]
        return quads

    # --- declarations -------------------------------------------------------------------

    def declare(self, service, principal, depends_on: list[str] | None, revises: str | None) -> None:
        """Check `revises` and `depends_on` against the records and derive what
        validation reads."""
        self.owner = principal.id if principal is not None else None
        curator = principal is not None and principal.is_curator
        if revises:
            if self.retractions:
                raise ContributionError("a correction cannot also be a revision: send one or the other", 400)
            old = service.get(revises)
            if old is None or not (old.status == "published" or curator or old.owned_by(principal)):
                raise ContributionError(f"revises={revises}: no such contribution", 404)
            if old.status not in ("staged", "published"):
                raise ContributionError(f"revises={revises}: that contribution is {old.status}", 409)
            if not (curator or old.owned_by(principal)):
                raise ContributionError(f"contribution {revises} is someone else's: only its contributor or a "
                                        "curator may revise it", 403)  # fmt: skip
            self.without = (old.graph,)
        self.chosen = self._choose(service, principal, curator, depends_on, revises)
        visibility = service.visibility
        self.graphs = visibility.context_graphs([s.graph for s in self.chosen], self.without)
        if self.retractions:
            self._find_targets(service)

    def _choose(self, service, principal, curator, depends_on, revises) -> tuple[Staged, ...]:
        staged = {s.identifier: s for s in service.visibility.staged()}
        depending = _depending_on(service, revises) if revises else set()
        if depends_on is None:  # all one's own staged contributions, bar those a revision would break
            return tuple(s for s in staged.values() if self.owns(s) and s.identifier not in depending | {revises})
        chosen = []
        for identifier in depends_on:
            record = service.get(identifier)
            visible = record is not None and (record.status == "published" or curator or record.owned_by(principal))
            if not visible:
                raise ContributionError(f"depends_on={identifier}: no such contribution", 404)
            if identifier == revises:
                raise ContributionError(f"circular dependency: a revision cannot depend on {revises}, the "
                                        "contribution it revises", 409)  # fmt: skip
            if identifier in depending:
                raise ContributionError(f"circular dependency: contribution {identifier} depends on {revises}, "
                                        "which this contribution revises and would replace", 409)  # fmt: skip
            if record.status not in ("staged", "published"):
                raise ContributionError(f"depends_on={identifier}: that contribution is {record.status}", 409)
            if record.status == "staged":
                chosen.append(staged[identifier])
        return tuple(chosen)

    def _find_targets(self, service) -> None:
        """Which published contributions hold each retraction (all of them are corrected);
        a retraction that none holds is refused, naming the triple."""
        store = service.live.get()
        graphs = [r.graph for r in service.list(status="published")]
        holders: dict[ox.Triple, list[str]] = {}
        for rows in _select_triples(store, self.retractions, "?g", graphs):
            for row in rows:
                triple = ox.Triple(row["s"], row["p"], row["o"])
                holders.setdefault(triple, []).append(row["g"].value.removeprefix(CONTRIBUTION_GRAPH))
        for triple in self.retractions:
            if triple not in holders:
                raise ContributionError(f"nothing to retract: {triple.subject} {triple.predicate} {triple.object} is "
                                        "not in any published contribution (shipped data is corrected in the "
                                        "repository and goes out in a release)", 422)  # fmt: skip
            for target in holders[triple]:
                self.targets.setdefault(target, []).append(triple)
        others = [g for g in (self.graphs or ()) if g not in {CONTRIBUTION_GRAPH + t for t in self.targets}]
        still = {ox.Triple(r["s"], r["p"], r["o"]) for rows in _select_triples(store, self.retractions, "", others)
                 for r in rows}  # fmt: skip
        self.vanishing = [t for t in self.retractions if t not in still]

    def find_dependencies(self, store, public: list[str]) -> None:
        """The chosen staged contributions that describe an IRI this one mentions, does
        not type itself, and nothing public describes: what it relies on to exist."""
        if not self.chosen:
            return
        typed_here = {t.subject for t in self.triples if t.predicate == RDF_TYPE}  # it defines those itself
        mentioned = sorted({t.value for triple in self.triples for t in (triple.subject, triple.object)
                            if isinstance(t, ox.NamedNode) and t not in typed_here})  # fmt: skip
        graph_of = {s.graph: s.identifier for s in self.chosen}
        found: set[str] = set()
        for start in range(0, len(mentioned), BATCH):
            values = " ".join(f"<{iri}>" for iri in mentioned[start : start + BATCH])
            query = f"SELECT DISTINCT ?x ?g WHERE {{ VALUES ?x {{ {values} }} GRAPH ?g {{ ?x ?p ?o }} }}"
            staged = {(row["x"].value, row["g"].value) for row in store.query(query, named_graphs=list(graph_of))}
            if staged:
                described = {row["x"].value for row in store.query(query, named_graphs=public)}
                found |= {graph for iri, graph in staged if iri not in described}
        self.dependencies = tuple(sorted(graph_of[g] for g in found))


def _depending_on(service, identifier: str) -> set[str]:
    """The staged contributions that depend on `identifier`, directly or through others."""
    records = service.list(status="staged")
    result: set[str] = set()
    frontier = {identifier}
    while frontier:
        found = {r.id for r in records if frontier & set(r.depends_on)} - result
        result |= found
        frontier = found
    return result


def _select_triples(store, triples: list[ox.Triple], graph_variable: str, graphs: Iterable[str]):
    """Rows (?s ?p ?o and the graph) of the given triples present in `graphs`, in batches."""
    graphs = list(graphs)
    if not graphs:
        return
    for start in range(0, len(triples), BATCH):
        values = " ".join(f"({t.subject} {t.predicate} {t.object})" for t in triples[start : start + BATCH])
        variable = graph_variable or "?graph"
        query = f"SELECT DISTINCT ?s ?p ?o {graph_variable} WHERE {{ VALUES (?s ?p ?o) {{ {values} }} GRAPH {variable} {{ ?s ?p ?o }} }}"  # noqa: E501
        yield list(store.query(query, named_graphs=graphs))


def refuse_existing_lists(store, submission: Submission) -> None:
    """A list whose IRI or notation a list already has, published or staged: 409 with a
    link to it (a second copy would double the list; corrections are revisions). The
    graph a revision replaces does not count."""
    triples = submission.triples
    lists = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object == LIST_CLASS}
    if not lists:
        return
    notations = sorted({t.object.value.casefold() for t in triples if t.subject in lists and t.predicate == NOTATION})
    values = " ".join(str(node) for node in lists if isinstance(node, ox.NamedNode))
    names = ", ".join(json.dumps(n) for n in notations) or '""'
    query = f"""SELECT ?g ?list WHERE {{ GRAPH ?g {{
        {{ VALUES ?list {{ {values} }} ?list a {LIST_CLASS} }}
        UNION {{ ?list a {LIST_CLASS} ; {NOTATION} ?n FILTER(LCASE(STR(?n)) IN ({names})) }} }} }} LIMIT 1"""
    graphs = [g for g in store.named_graphs() if g not in submission.without]
    for row in store.query(query, named_graphs=graphs):
        graph, found = row["g"].value, row["list"].value
        contributed = graph.startswith(CONTRIBUTION_GRAPH)
        where = f"/contributions/{graph.removeprefix(CONTRIBUTION_GRAPH)}" if contributed else local_path(found)
        raise ContributionError(f"the list {found} (or one with the same notation) already exists: {where}", 409)
