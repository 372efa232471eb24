"""The rule engine (semantics/rules.py): the whole inferred graph, and its upkeep after
writes, equal what the SPARQL rules and owlrl give.

- saturation equals the SPARQL-rule fixpoint (the build's reasoner until this engine)
  on the shipped data and on generated data, with hidden graphs neither read nor counted;
- after every step of random sequences of additions, retractions, graph drops and
  visibility changes made through the one write path (DatasetWriter), the inferred
  graph equals a full recompute, and the steps that can be incremental were.
"""

from __future__ import annotations

import random
import sys

import pyoxigraph as ox
import pytest
from servers import PROJECT

from critmin.contributions.writer import DatasetWriter
from critmin.rdf.namespaces import (
    CM,
    CONTRIBUTED_PREFIX,
    INFERRED_GRAPH,
    INSTANCE_NAMESPACES,
    ONTOLOGY_GRAPH,
    RECORDS_GRAPH,
)
from critmin.semantics import reasoning
from critmin.semantics.rules import Reasoner, RuleSet, compiled
from critmin.store.memory import MemoryLiveStore

sys.path.insert(0, str(PROJECT / "bench"))
from generate import generate

INFERRED = str(INFERRED_GRAPH)
STAGED = CONTRIBUTED_PREFIX + "/test-staged"
GSP_A, GSP_B = "https://example.org/graphs/a", "https://example.org/graphs/b"
CM_DENOTES = ox.NamedNode(CM.denotes)


def asserted(store) -> list[ox.Quad]:
    return [q for q in store.quads() if q.graph_name.value != INFERRED]


def inferred(store, graph: str = INFERRED) -> set:
    return {(q.subject, q.predicate, q.object) for q in store.graph_quads(graph)}


def by_sparql_rules(quads, hidden=()) -> set:
    scratch = MemoryLiveStore(quads).get()
    reasoning.materialise_with_rules(scratch, str(ONTOLOGY_GRAPH), "urn:test:rules", INSTANCE_NAMESPACES, hidden)
    return inferred(scratch, "urn:test:rules")


def by_saturation(quads, hidden=()) -> set:
    scratch = MemoryLiveStore(quads).get()
    rules = reasoning.rule_set(scratch, str(ONTOLOGY_GRAPH), INSTANCE_NAMESPACES)
    Reasoner(scratch, rules, "urn:test:saturated", hidden).saturate()
    return inferred(scratch, "urn:test:saturated")


def test_saturation_equals_the_sparql_rules_and_owlrl_on_the_shipped_data(store):
    base = asserted(store)
    saturated = by_saturation(base)
    assert saturated == by_sparql_rules(base)
    assert saturated == inferred(store)  # the shipped store's inferences come from owlrl
    assert len(saturated) > 500


def test_saturation_equals_the_sparql_rules_on_generated_data(store):
    """20,000 generated triples beside the project's graph, plus a hidden graph whose
    statements would entail more: neither engine reads it."""
    extra = list(generate(20_000, seed=7))
    hidden = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(STAGED)) for q in extra[:3000]]
    bench = "https://w3id.org/critmin/bench/"
    hidden += [ox.Quad(ox.NamedNode(f"{bench}entry/hidden"), CM_DENOTES, ox.NamedNode(f"{bench}commodity/hidden"),
                       ox.NamedNode(STAGED))]  # fmt: skip
    quads = asserted(store) + extra[3000:] + hidden
    saturated = by_saturation(quads, (STAGED,))
    assert saturated == by_sparql_rules(quads, (STAGED,))
    predicates = {p.value.rsplit("#", 1)[-1] for _, p, _ in saturated}
    assert {"listedIn", "denotedBy", "supplierIn", "supplies", "commodityOf"} <= predicates
    assert not any("hidden" in s.value for s, _, _ in saturated)


def test_compiled_rules_cover_every_axiom_kind():
    sub = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    a, b, c = (ox.NamedNode(f"urn:{n}") for n in "ABC")
    rules = RuleSet.from_triples([(a, sub, b), (b, sub, c)], ("urn:x:",))
    assert rules.super_classes[a] == {b, c}
    assert len(compiled(rules)) == 3  # A→B, A→C, B→C


# --- incremental upkeep ----------------------------------------------------------------


def _pool(base: list[ox.Quad]) -> list[tuple]:
    """Triples to add and retract: premises of every rule kind from the shipped data, and
    new combinations of its entities (an entry denoting another commodity, a supply
    relation with another supplier), so that steps derive and undo chains."""
    premise = {CM.denotes, CM.inList, CM.hasEntry, CM.supplier, CM.commodity, CM.technology, CM.hasMemberElement}
    triples = [(q.subject, q.predicate, q.object) for q in base if q.predicate.value in {str(p) for p in premise}]
    triples += [(q.subject, q.predicate, q.object) for q in base if q.predicate.value.endswith("#type")][:200]
    rng = random.Random(3)
    objects = {}
    for _s, p, o in triples:
        objects.setdefault(p, []).append(o)
    mixed = [(s, p, rng.choice(objects[p])) for s, p, o in rng.sample(triples, 150)]
    return triples + mixed


def _operation(rng: random.Random, pool: list[tuple], live, writer: DatasetWriter) -> tuple[str, list[str]]:
    store = live.get()
    kind = rng.choice(["insert", "insert", "delete", "delete", "drop", "publish", "unpublish", "retract-shipped"])
    graph = rng.choice([GSP_A, GSP_B, STAGED])
    if kind == "insert":
        chosen = rng.sample(pool, rng.randint(1, 25))
        return kind, [writer.insert_data([ox.Quad(s, p, o, ox.NamedNode(graph)) for s, p, o in chosen])]
    if kind == "delete":
        held = [q for g in (GSP_A, GSP_B, STAGED) for q in store.graph_quads(g)]
        return kind, [writer.delete_data(rng.sample(held, min(len(held), rng.randint(1, 15))))] if held else []
    if kind == "drop":
        return kind, [f"DROP SILENT GRAPH <{graph}>"]
    record = "https://w3id.org/critmin/id/contribution/test-staged"
    status = {"publish": ("staged", "published"), "unpublish": ("published", "staged")}.get(kind)
    if status:
        old, new = status
        return kind, [f'DELETE DATA {{ GRAPH <{RECORDS_GRAPH}> {{ <{record}> <{CM.status}> "{old}" }} }}',
                      f'INSERT DATA {{ GRAPH <{RECORDS_GRAPH}> {{ <{record}> <{CM.status}> "{new}" }} }}']  # fmt: skip
    premises = set(pool)
    shipped = [q for q in store.quads() if q.graph_name.value.startswith("https://w3id.org/critmin/graph/data")
               and (q.subject, q.predicate, q.object) in premises]  # fmt: skip
    return kind, [writer.delete_data(rng.sample(shipped, min(3, len(shipped))))] if shipped else []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_upkeep_equals_a_full_recompute(store, seed, monkeypatch):
    base = asserted(store) + store.graph_quads(INFERRED)
    record = ox.NamedNode("https://w3id.org/critmin/id/contribution/test-staged")
    base += [ox.Quad(record, ox.NamedNode(CM.contributionGraph), ox.NamedNode(STAGED), ox.NamedNode(RECORDS_GRAPH)),
             ox.Quad(record, ox.NamedNode(CM.status), ox.Literal("staged"), ox.NamedNode(RECORDS_GRAPH))]  # fmt: skip
    live = MemoryLiveStore(base)
    writer = DatasetWriter(live)
    pool = _pool(asserted(store))
    recomputed = []
    real = reasoning.materialise
    monkeypatch.setattr(reasoning, "materialise", lambda *a, **k: recomputed.append(1) or real(*a, **k))
    rng = random.Random(seed)
    incremental = 0
    for step in range(30):
        kind, operations = _operation(rng, pool, live, writer)
        if not operations:
            continue
        before = len(recomputed)
        writer.public_change(live.get(), operations, f"step {step}")
        incremental += len(recomputed) == before
        current = live.get()
        hidden = writer.visibility.hidden()
        expected = by_saturation(asserted(current), hidden)
        assert inferred(current) == expected, f"step {step} ({kind}) of seed {seed}"
        assert expected == by_sparql_rules(asserted(current), hidden)
    assert incremental >= 20  # only hiding a graph it does not name makes a write recompute


def test_a_graph_published_and_hidden_again_by_its_record_alone(store):
    """Visibility changed by the records graph only (the write never names the data
    graph): published, its entailments appear (incrementally); staged again, they go."""
    base = asserted(store) + list(store.graph_quads(INFERRED))
    record = ox.NamedNode("https://w3id.org/critmin/id/contribution/test-staged")
    entry, commodity = ox.NamedNode(f"{INSTANCE_NAMESPACES[0]}entry/test"), ox.NamedNode(f"{INSTANCE_NAMESPACES[0]}x")
    some_list = next(q.object for q in base if q.predicate.value == str(CM.inList))
    graph = ox.NamedNode(STAGED)
    base += [
        ox.Quad(record, ox.NamedNode(CM.contributionGraph), graph, ox.NamedNode(RECORDS_GRAPH)),
        ox.Quad(record, ox.NamedNode(CM.status), ox.Literal("staged"), ox.NamedNode(RECORDS_GRAPH)),
        ox.Quad(entry, CM_DENOTES, commodity, graph),
        ox.Quad(entry, ox.NamedNode(CM.inList), some_list, graph),
    ]
    live = MemoryLiveStore(base)
    writer = DatasetWriter(live)
    listed = (commodity, ox.NamedNode(CM.listedIn), some_list)
    assert listed not in inferred(live.get())
    for old, new, present in (("staged", "published", True), ("published", "staged", False)):
        writer.public_change(live.get(), [
            f'DELETE DATA {{ GRAPH <{RECORDS_GRAPH}> {{ {record} <{CM.status}> "{old}" }} }}',
            f'INSERT DATA {{ GRAPH <{RECORDS_GRAPH}> {{ {record} <{CM.status}> "{new}" }} }}'], new)  # fmt: skip
        assert (listed in inferred(live.get())) is present, new
        assert inferred(live.get()) == by_saturation(asserted(live.get()), writer.visibility.hidden())
