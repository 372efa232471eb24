"""The entailments the queries rely on, computed semi-naively and kept up to date.

Four OWL 2 RL rules, compiled from the ontology graph into lookup tables: subclasses
(cax-sco), subproperties (prp-spo1), inverses (prp-inv1/2) and property chains of
two (prp-spo2), for subjects in the instance namespaces. The inferred graph holds
what they entail from the public (visible) graphs and no visible graph asserts.

- `Reasoner.saturate` computes the whole inferred graph with one query per axiom
  (`compiled`), evaluated by the engine, which also drops what the dataset already
  holds; a rule runs again only when its premises gained triples.
- `Reasoner.maintain` brings it up to date after a write from the asserted triples
  that appeared and disappeared: additions forward; retractions by
  delete-and-rederive (DRed: over-delete what they supported, put back what has
  another derivation, propagate).

Why by hand: the SPARQL-rule fixpoint (semantics/reasoning.py, still what a remote
engine runs) re-derives everything each round and pyoxigraph holds each update's
solutions in memory (37 s and 5.9 GB at 10M); owlrl and the `reasonable` package
compute closures over triples held in Python and have no incremental mode.

Works on any store with in-process pattern reads (store.interface.PatternStore).
May import: critmin.rdf.namespaces, pyoxigraph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
TYPE = ox.NamedNode(_RDF + "type")
FIRST, REST, NIL = (ox.NamedNode(_RDF + n) for n in ("first", "rest", "nil"))
SUBCLASS, SUBPROPERTY = ox.NamedNode(_RDFS + "subClassOf"), ox.NamedNode(_RDFS + "subPropertyOf")
INVERSE, CHAIN = ox.NamedNode(_OWL + "inverseOf"), ox.NamedNode(_OWL + "propertyChainAxiom")
WRITE_BATCH = 50_000

Triple = tuple  # (subject, predicate, object) of pyoxigraph terms


def _closure(edges: dict[ox.NamedNode, set[ox.NamedNode]]) -> dict[ox.NamedNode, frozenset[ox.NamedNode]]:
    """Everything reachable from each node (the transitive closure of subClassOf or
    subPropertyOf: one lookup then stands for the rule applied to a fixpoint)."""
    closed = {}
    for start in edges:
        seen, stack = set(), list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        closed[start] = frozenset(seen)
    return closed


def _inverted(table: dict) -> dict:
    inverse: dict = defaultdict(set)
    for key, values in table.items():
        for value in values:
            inverse[value].add(key)
    return {k: frozenset(v) for k, v in inverse.items()}


@dataclass(frozen=True)
class RuleSet:
    """The ontology's axioms as tables (small: read once per reasoning)."""

    instances: tuple[str, ...]
    super_classes: dict = field(default_factory=dict)  # class -> its superclasses (IRIs, transitive)
    super_properties: dict = field(default_factory=dict)  # property -> its superproperties (transitive)
    inverses: dict = field(default_factory=dict)  # property -> its inverses (both directions)
    chains: tuple = ()  # (head, first, second): head = first ∘ second

    @classmethod
    def from_triples(cls, triples: Iterable[Triple], instances: tuple[str, ...]) -> RuleSet:
        classes, properties, inverses = defaultdict(set), defaultdict(set), defaultdict(set)
        first, rest, chain_of = {}, {}, []
        for s, p, o in triples:
            if p == SUBCLASS and isinstance(o, ox.NamedNode):
                classes[s].add(o)
            elif p == SUBPROPERTY:
                properties[s].add(o)
            elif p == INVERSE:
                inverses[s].add(o)
                inverses[o].add(s)
            elif p == CHAIN:
                chain_of.append((s, o))
            elif p == FIRST:
                first[s] = o
            elif p == REST:
                rest[s] = o
        chains = tuple(
            (head, first[cell], first[rest[cell]])
            for head, cell in chain_of
            if cell in first and cell in rest and rest[cell] in first and rest.get(rest[cell]) == NIL
        )
        return cls(instances, _closure(classes), _closure(properties),
                   {k: frozenset(v) for k, v in inverses.items()}, chains)  # fmt: skip

    def is_instance(self, term) -> bool:
        return isinstance(term, ox.NamedNode) and term.value.startswith(self.instances)

    def touches_axioms(self, triples: Iterable[Triple]) -> bool:
        """Whether a change to these triples could change the rules themselves."""
        return any(p in (SUBCLASS, SUBPROPERTY, INVERSE, CHAIN, FIRST, REST) for _, p, _ in triples)


class _Derivations:
    """The rule tables with the reverse ones the rederivation step needs."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.first_of = defaultdict(list)  # first -> [(second, head)]
        self.second_of = defaultdict(list)  # second -> [(first, head)]
        self.by_head = defaultdict(list)  # head -> [(first, second)]
        for head, first, second in rules.chains:
            self.first_of[first].append((second, head))
            self.second_of[second].append((first, head))
            self.by_head[head].append((first, second))
        self.sub_properties = _inverted(rules.super_properties)


class Reasoner:
    """Materialises `rules` into `inferred` over a store's visible graphs (all named
    graphs but `hidden` and the default graph)."""

    def __init__(self, store, rules: RuleSet, inferred: str, hidden: Iterable[str] = ()):
        self.store = store
        self.rules = rules
        self.tables = _Derivations(rules)
        self.graph = ox.NamedNode(inferred)
        self.hidden = {ox.NamedNode(g) for g in hidden}

    # --- reading the store -----------------------------------------------------------

    def _visible(self, quad: ox.Quad) -> bool:
        graph = quad.graph_name
        return isinstance(graph, ox.NamedNode) and graph not in self.hidden

    def known(self, s, p, o) -> bool:
        """Asserted in a visible graph or already inferred."""
        return any(self._visible(q) for q in self.store.match(s, p, o))

    def asserted(self, s, p, o) -> bool:
        return any(self._visible(q) and q.graph_name != self.graph for q in self.store.match(s, p, o))

    def inferred(self, s, p, o) -> bool:
        return any(True for _ in self.store.match(s, p, o, self.graph))

    def objects(self, s, p) -> Iterator:
        if isinstance(s, ox.Literal):
            return iter(())
        return (q.object for q in self.store.match(s, p, None) if self._visible(q))

    def subjects(self, p, o) -> Iterator:
        return (q.subject for q in self.store.match(None, p, o) if self._visible(q))

    # --- the rules -------------------------------------------------------------------

    def consequences(self, s, p, o, objects: Callable, subjects: Callable) -> Iterator[Triple]:
        """What one triple entails with what `objects`/`subjects` find (one step)."""
        rules, tables = self.rules, self.tables
        if p == TYPE and o in rules.super_classes and rules.is_instance(s):
            for cls in rules.super_classes[o]:
                yield s, TYPE, cls
        if p in rules.super_properties and rules.is_instance(s):
            for prop in rules.super_properties[p]:
                yield s, prop, o
        if p in rules.inverses and rules.is_instance(o):
            for prop in rules.inverses[p]:
                yield o, prop, s
        if p in tables.first_of and rules.is_instance(s):
            for second, head in tables.first_of[p]:
                for z in objects(o, second):
                    yield s, head, z
        for first, head in tables.second_of.get(p, ()):
            for x in subjects(first, s):
                if rules.is_instance(x):
                    yield x, head, o

    def derivable(self, s, p, o) -> bool:
        """Whether one rule derives (s, p, o) from what the store holds now."""
        rules, tables = self.rules, self.tables
        if not rules.is_instance(s):
            return False
        if p == TYPE and any(o in rules.super_classes.get(c, ()) for c in self.objects(s, TYPE)):
            return True
        if any(self.known(s, sub, o) for sub in tables.sub_properties.get(p, ())):
            return True
        if not isinstance(o, ox.Literal) and any(self.known(o, inv, s) for inv in rules.inverses.get(p, ())):
            return True
        return any(self.known(y, second, o) for first, second in tables.by_head.get(p, ())
                   for y in self.objects(s, first) if not isinstance(y, ox.Literal))  # fmt: skip

    # --- writing ---------------------------------------------------------------------

    def _write(self, triples: Iterable[Triple]) -> None:
        batch = []
        for s, p, o in triples:
            batch.append(ox.Quad(s, p, o, self.graph))
            if len(batch) >= WRITE_BATCH:
                self.store.extend(batch)
                batch = []
        if batch:
            self.store.extend(batch)

    def _remove(self, triples: Iterable[Triple]) -> None:
        self.store.discard([ox.Quad(s, p, o, self.graph) for s, p, o in triples])

    # --- whole and incremental -------------------------------------------------------

    def forward(self, delta: Iterable[Triple]) -> None:
        """Add everything `delta` entails that is not known, round by round (semi-naive:
        each round joins only the previous round's news with the store)."""
        while True:
            news: set[Triple] = set()
            for s, p, o in delta:
                for found in self.consequences(s, p, o, self.objects, self.subjects):
                    if found not in news and not self.known(*found):
                        news.add(found)
            if not news:
                return
            self._write(news)
            delta = news

    def saturate(self) -> int:
        """Compute the inferred graph from scratch (it is expected empty); returns how
        many triples were inferred.

        Compiled rule queries (`compiled`): the engine scans one predicate, joins and
        drops what the dataset already holds (MINUS, hash-based) without decoding a
        string; only new triples reach Python, and are written at once, so the next
        rule sees them. A rule runs again only when a premise gained triples after its
        last run (other than from its own mirror image: an inverse's inverse gives back
        its premise); the passes end when none produced anything."""
        dataset = self._dataset()
        rules = compiled(self.rules, self._sizes(dataset))
        gains: list[tuple[int, object, str]] = []  # (when, key, by which rule)
        last_run: dict[str, int] = {}
        clock, total, productive = 0, 0, True
        while productive:
            productive = False
            for rule in rules:
                if rule.name in last_run and not rule.worth_running(gains, last_run[rule.name]):
                    continue
                clock += 1
                last_run[rule.name] = clock
                if rule.mirror in last_run and not rule.worth_running(gains, 0) and not self._asserted(rule.reads[0]):
                    continue  # all its premises are its mirror's output: it would give their premises back
                found = {rule.triple(row) for row in self.store.query(rule.query, **dataset)}
                found = [t for t in found if self.rules.is_instance(t[0])]
                if found:
                    self._write(found)
                    clock += 1
                    gains.append((clock, rule.writes, rule.name))
                    total += len(found)
                    productive = True
        return total

    def _sizes(self, dataset: dict) -> dict:
        """How many triples each chained predicate has now (a count in the engine: no
        decoding), so that a chain's join starts from its smaller premise."""
        chained = {p for _, first, second in self.rules.chains for p in (first, second)}
        count = "SELECT (COUNT(*) AS ?n) WHERE {{ ?s {} ?o }}"
        return {p: int(next(iter(self.store.query(count.format(p), **dataset)))[0].value) for p in chained}

    def _asserted(self, predicate) -> bool:
        """Whether a visible graph other than the inferred one states `predicate`."""
        excluded = ", ".join(str(g) for g in {self.graph, *self.hidden})
        return bool(self.store.query(f"ASK {{ GRAPH ?g {{ ?s {predicate} ?o }} FILTER (?g NOT IN ({excluded})) }}"))

    def _dataset(self) -> dict:
        """Rule queries read the visible graphs (the inferred one included) as their
        default graph; with nothing hidden, the engine's union of all named graphs."""
        if not self.hidden and getattr(self.store, "visible_graphs", None) is None:
            return {}
        names = [g for g in self.store.named_graphs() if ox.NamedNode(g) not in self.hidden]
        return {"default_graphs": list(dict.fromkeys([*names, self.graph.value]))}  # inferred: maybe not there yet

    def maintain(self, added: set[Triple], removed: set[Triple]) -> None:
        """Bring the inferred graph up to date after the visible asserted triples
        `added` appeared and `removed` disappeared (already written)."""
        removed = {t for t in removed if not self.asserted(*t)}
        overdeleted = self._overdelete(removed)
        self._remove(overdeleted)
        now_asserted = [t for t in added if self.inferred(*t)]
        self._remove(now_asserted)
        candidates = overdeleted | removed
        rederived = {t for t in candidates if not self.known(*t) and self.derivable(*t)}
        self._write(rederived)
        self.forward(list(added) + list(rederived))

    def _overdelete(self, removed: set[Triple]) -> set[Triple]:
        """Every inferred triple that `removed` supported, directly or not (joins see the
        store as it was: the removed triples count as still there)."""
        by_subject, by_object = defaultdict(list), defaultdict(list)
        for s, p, o in removed:
            by_subject[s, p].append(o)
            by_object[p, o].append(s)

        def objects(s, p):
            yield from self.objects(s, p)
            yield from by_subject.get((s, p), ())

        def subjects(p, o):
            yield from self.subjects(p, o)
            yield from by_object.get((p, o), ())

        doomed: set[Triple] = set()
        frontier = removed
        while frontier:
            following = set()
            for s, p, o in frontier:
                for found in self.consequences(s, p, o, objects, subjects):
                    if found not in doomed and self.inferred(*found):
                        doomed.add(found)
                        following.add(found)
            frontier = following
        return doomed


@dataclass(frozen=True)
class CompiledRule:
    """One rule instance with its predicates bound, as the SELECT of what it derives
    that the dataset does not hold yet: the head's subject and object (or only its
    subject, for a class). The instance-namespace test on the subject is left to
    Python: STR() in the engine would decode every IRI it scans. `reads` are its
    premises' keys (a predicate, or (rdf:type, class)), `writes` its head's; `mirror`
    names the rule whose output this one maps back to its premise."""

    name: str
    query: str
    predicate: ox.NamedNode
    reads: tuple
    writes: object
    constant: ox.NamedNode | None = None  # the head's object when it is fixed (a class)
    mirror: str | None = None

    def triple(self, row) -> Triple:
        return row[0], self.predicate, self.constant if self.constant is not None else row[1]

    def worth_running(self, gains: list, since: int) -> bool:
        """Whether a premise gained triples after `since` from a rule other than this one's mirror."""
        return any(when > since and key in self.reads and who != self.mirror for when, key, who in gains)


def _key(predicate, cls=None):
    return (predicate, cls) if predicate == TYPE else predicate


def compiled(rules: RuleSet, sizes: dict | None = None) -> list[CompiledRule]:
    """The rules with every ontology variable bound: the engine plans each as a scan of
    one predicate (or class) with index lookups, instead of the generic rule's join
    through the ontology graph. Inverses come before chains, whose premises they make."""
    out = []

    def size(predicate) -> float:  # none yet: made by rules, assumed large
        return (sizes or {}).get(predicate) or float("inf")

    for cls, supers in rules.super_classes.items():
        for sup in supers:
            query = f"SELECT ?x WHERE {{ ?x a {cls} MINUS {{ ?x a {sup} }} }}"
            out.append(CompiledRule(f"type {cls} {sup}", query, TYPE, (_key(TYPE, cls),), _key(TYPE, sup), sup))
    for prop, supers in rules.super_properties.items():
        for sup in supers:
            query = f"SELECT ?s ?o WHERE {{ ?s {prop} ?o MINUS {{ ?s {sup} ?o }} }}"
            out.append(CompiledRule(f"sub {prop} {sup}", query, sup, (prop,), sup))
    for prop, inverses in rules.inverses.items():
        for inv in inverses:
            query = f"SELECT ?o ?s WHERE {{ ?s {prop} ?o FILTER isIRI(?o) MINUS {{ ?o {inv} ?s }} }}"
            out.append(CompiledRule(f"inverse {prop} {inv}", query, inv, (prop,), inv,
                                    mirror=f"inverse {inv} {prop}"))  # fmt: skip
    for head, first, second in rules.chains:
        # NOT EXISTS, a lookup per joined row: MINUS would hash every head triple first,
        # 8 s at 10M for a chain (listedIn ∘ includedIn) that joins 38 rows.
        patterns = [f"?x {first} ?y", f"?y {second} ?z"]
        if size(second) < size(first):
            patterns.reverse()  # the engine joins in the written order
        query = f"SELECT ?x ?z WHERE {{ {' . '.join(patterns)} FILTER NOT EXISTS {{ ?x {head} ?z }} }}"
        out.append(CompiledRule(f"chain {head} {first} {second}", query, head, (first, second), head))
    return out
