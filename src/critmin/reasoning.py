"""OWL 2 RL materialisation, done once at build time.

The queries rely on subclasses, subproperties, inverses and property chains. Rather
than reason at query time, the entailed triples about our instances are computed
here (owlrl) and stored in their own named graph, so the union sees them and they
stay distinguishable from asserted facts.
"""

from __future__ import annotations

import owlrl
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from critmin.namespaces import ID

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
