"""The ontology is complete, documented, and consistent with how it is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from critmin.rdf.namespaces import CM, INFERRED_GRAPH, ONTOLOGY_IRI

PROJECT = Path(__file__).resolve().parents[1]
TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(PROJECT / "ontology" / "critmin.ttl")


def defined_terms(ontology: rdflib.Graph) -> set[str]:
    return {
        str(term)[len(str(CM)) :]
        for kind in TERM_KINDS
        for term in ontology.subjects(RDF.type, kind)
        if str(term).startswith(str(CM))
    }


def test_header(ontology):
    header = rdflib.URIRef(ONTOLOGY_IRI)
    assert (header, RDF.type, OWL.Ontology) in ontology
    for predicate in (
        DCTERMS.title,
        DCTERMS.description,
        OWL.versionIRI,
        OWL.versionInfo,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.created,
        DCTERMS.modified,
    ):
        assert ontology.value(header, predicate) is not None, f"header lacks {predicate}"
    assert str(ontology.value(header, OWL.versionIRI)).endswith(str(ontology.value(header, OWL.versionInfo)))


def test_every_term_is_labelled_and_defined(ontology):
    terms = defined_terms(ontology)
    assert len(terms) > 60
    for local in terms:
        term = CM[local]
        assert ontology.value(term, RDFS.label), f"cm:{local} has no rdfs:label"
        assert ontology.value(term, SKOS.definition) or ontology.value(term, RDFS.comment), f"cm:{local} undefined"


def test_properties_have_domain_or_range(ontology):
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in ontology.subjects(RDF.type, kind):
            has = (prop, RDFS.domain, None) in ontology or (prop, RDFS.range, None) in ontology
            assert has, f"{prop} has neither domain nor range"


def used_terms(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    short = set(re.findall(r"(?<![\w/#])cm:([A-Za-z][\w-]*)", text))
    full = set(re.findall(r"https://w3id\.org/critmin/ontology#([A-Za-z][\w-]*)", text))
    return short | full


@pytest.mark.parametrize(
    "path",
    sorted(
        [
            *PROJECT.glob("data/*.ttl"),
            *PROJECT.glob("shapes/*.ttl"),
            *PROJECT.glob("queries/*.rq"),
            *PROJECT.glob("src/critmin/*.py"),
        ]
    ),
    ids=lambda p: str(p.relative_to(PROJECT)),
)
def test_terms_used_in_project_files_are_defined(ontology, path):
    undefined = used_terms(path) - defined_terms(ontology)
    assert not undefined, f"{path.name} uses undefined terms: {sorted(undefined)}"


def test_no_individual_in_disjoint_classes_after_reasoning(store):
    clashes = list(
        store.query("""
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?x ?a ?b WHERE { ?a owl:disjointWith ?b . ?x a ?a , ?b }""")
    )
    assert clashes == []
    assert store.query("PREFIX owl: <http://www.w3.org/2002/07/owl#> ASK { ?a owl:disjointWith ?b }")


def test_inferences_are_in_their_own_graph(store):
    inferred = str(INFERRED_GRAPH)
    # The property chain and the inverse are only in the inferred graph, never asserted.
    for prop in ("listedIn", "denotedBy", "usedIn", "memberOfGroup"):
        assert store.query(f"ASK {{ GRAPH <{inferred}> {{ ?s <{CM[prop]}> ?o }} }}"), prop
        assert not store.query(f"ASK {{ GRAPH ?g {{ ?s <{CM[prop]}> ?o }} FILTER (?g != <{inferred}>) }}"), (
            f"{prop} asserted outside the inferred graph"
        )
    # Nothing inferred repeats an asserted triple.
    assert not store.query(
        f"ASK {{ GRAPH <{inferred}> {{ ?s ?p ?o }} GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != <{inferred}>) }}"
    )
    # Subclass reasoning: a wind power generator is a cm:Technology only by inference.
    assert store.query(f"""ASK {{ GRAPH <{inferred}> {{
        <https://w3id.org/critmin/id/technology/wind-power-generator> a <{CM.Technology}> }} }}""")


def test_rule_reasoner_reproduces_owlrl_on_the_shipped_data(store):
    """The SPARQL-rule reasoner used for large graphs and after writes gives exactly the
    owlrl entailments the build stores (on the shipped data)."""
    from critmin.rdf.namespaces import INSTANCE_NAMESPACES, ONTOLOGY_GRAPH
    from critmin.semantics import reasoning
    from critmin.store.memory import MemoryLiveStore

    scratch = MemoryLiveStore([q for q in store.quads() if q.graph_name.value != str(INFERRED_GRAPH)]).get()
    target = "urn:critmin:test:rules"
    reasoning.materialise_with_rules(scratch, str(ONTOLOGY_GRAPH), target, INSTANCE_NAMESPACES)
    by_rules = {(q.subject, q.predicate, q.object) for q in scratch.graph_quads(target)}
    by_owlrl = {(q.subject, q.predicate, q.object) for q in store.quads() if q.graph_name.value == str(INFERRED_GRAPH)}
    assert by_rules == by_owlrl and len(by_rules) > 500
