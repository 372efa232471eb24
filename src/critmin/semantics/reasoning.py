"""OWL 2 RL materialisation: owlrl for the shipped build, the rule engine
(semantics/rules.py) or the SPARQL rules (inside a remote engine) at scale.

The queries rely on subclasses, subproperties, inverses and property chains. Rather
than reason at query time, the entailed triples about our instances are computed
here (owlrl) and stored in their own named graph, so the union sees them and they
stay distinguishable from asserted facts.
"""

from __future__ import annotations

import owlrl
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from critmin.rdf.namespaces import ID
from critmin.semantics.rules import Reasoner, RuleSet

_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}


def _worth_keeping(triple: tuple) -> bool:
    subject, predicate, obj = triple
    if not isinstance(subject, rdflib.URIRef) or not subject.startswith(str(ID)):
        return False
    if predicate == OWL.sameAs or isinstance(obj, rdflib.BNode):
        return False
    return not (predicate == RDF.type and obj in _TRIVIAL_TYPES)


def entailments(ontology: rdflib.Graph, data: rdflib.Graph) -> rdflib.Graph:
    """Triples about instances that OWL 2 RL entails and that are not asserted."""
    closure = rdflib.Graph()
    for triple in ontology:
        closure.add(triple)
    for triple in data:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    inferred = rdflib.Graph()
    for triple in closure:
        if triple not in data and triple not in ontology and _worth_keeping(triple):
            inferred.add(triple)
    return inferred


# --- the same entailments at scale, as SPARQL rules inside the store ---------------------

_RULES = [
    # rdfs9: instances of a subclass are instances of its superclasses
    """INSERT {{ GRAPH <{inferred}> {{ ?x a ?super }} }} WHERE {{
         GRAPH <{ontology}> {{ ?sub rdfs:subClassOf ?super FILTER isIRI(?super) }}
         GRAPH ?g {{ ?x a ?sub }} FILTER STRSTARTS(STR(?x), "{instances}") {hidden_g}
         FILTER NOT EXISTS {{ GRAPH ?n {{ ?x a ?super }} {hidden_n} }} }}""",
    # rdfs7: subproperties
    """INSERT {{ GRAPH <{inferred}> {{ ?s ?super ?o }} }} WHERE {{
         GRAPH <{ontology}> {{ ?sub rdfs:subPropertyOf ?super }}
         GRAPH ?g {{ ?s ?sub ?o }} FILTER STRSTARTS(STR(?s), "{instances}") {hidden_g}
         FILTER NOT EXISTS {{ GRAPH ?n {{ ?s ?super ?o }} {hidden_n} }} }}""",
    # prp-inv1/2: inverses, both ways
    """INSERT {{ GRAPH <{inferred}> {{ ?o ?q ?s }} }} WHERE {{
         GRAPH <{ontology}> {{ {{ ?p owl:inverseOf ?q }} UNION {{ ?q owl:inverseOf ?p }} }}
         GRAPH ?g {{ ?s ?p ?o }} FILTER (isIRI(?o) && STRSTARTS(STR(?o), "{instances}")) {hidden_g}
         FILTER NOT EXISTS {{ GRAPH ?n {{ ?o ?q ?s }} {hidden_n} }} }}""",
    # prp-spo2: property chains of length two
    """INSERT {{ GRAPH <{inferred}> {{ ?x ?p ?z }} }} WHERE {{
         GRAPH <{ontology}> {{ ?p owl:propertyChainAxiom ?chain .
             ?chain rdf:first ?a ; rdf:rest ?rest . ?rest rdf:first ?b ; rdf:rest rdf:nil }}
         GRAPH ?g {{ ?x ?a ?y }} GRAPH ?h {{ ?y ?b ?z }} FILTER STRSTARTS(STR(?x), "{instances}") {hidden_g} {hidden_h}
         FILTER NOT EXISTS {{ GRAPH ?n {{ ?x ?p ?z }} {hidden_n} }} }}""",
]
_PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""


def materialise_with_rules(
    store, ontology_graph: str, inferred_graph: str, instances: tuple[str, ...], hidden: tuple[str, ...] = ()
) -> int:
    """Compute, inside the store (any critmin.store.interface.WritableStore: SPARQL
    Update and a count), the entailments the queries rely on
    (subclasses, subproperties, inverses, two-step property chains) for instances
    whose IRIs start with one of `instances`, from every graph but the `hidden` ones;
    repeat to a fixpoint. For graphs too large for owlrl's in-memory closure, and to
    bring the inferences up to date after a write. Returns the number of inferred
    triples."""
    excluded = ", ".join(f"<{g}>" for g in hidden)
    hidden_g = f"FILTER (?g NOT IN ({excluded}))" if hidden else ""
    hidden_h = f"FILTER (?h NOT IN ({excluded}))" if hidden else ""
    hidden_n = f"FILTER (?n NOT IN ({excluded}))" if hidden else ""  # a hidden graph's statement blocks nothing

    before = -1
    while (now := store.count(inferred_graph)) != before:
        before = now
        for rule in _RULES:
            for prefix in instances:
                store.update(
                    _PREFIXES
                    + rule.format(
                        inferred=inferred_graph,
                        ontology=ontology_graph,
                        instances=prefix,
                        hidden_g=hidden_g,
                        hidden_h=hidden_h,
                        hidden_n=hidden_n,
                    )
                )
    return before


def rule_set(store, ontology_graph: str, instances: tuple[str, ...]) -> RuleSet:
    """The ontology graph's axioms as the rule engine's tables."""
    axioms = ((q.subject, q.predicate, q.object) for q in store.match(graph=ontology_graph))
    return RuleSet.from_triples(axioms, instances)


def materialise(store, ontology_graph: str, inferred_graph: str, instances: tuple[str, ...],
                hidden: tuple[str, ...] = ()) -> int:  # fmt: skip
    """The inferred graph (expected empty) computed for `store`: semi-naively in-process
    where the store answers patterns in-process (semantics/rules.py), else by the SPARQL
    rules inside the engine. The same triples either way (tests/test_reasoning.py).
    Returns the number of inferred triples."""
    if store.capabilities.pattern_reads:
        Reasoner(store, rule_set(store, ontology_graph, instances), inferred_graph, hidden).saturate()
        return store.count(inferred_graph)
    return materialise_with_rules(store, ontology_graph, inferred_graph, instances, hidden)
