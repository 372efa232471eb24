"""The ontology, with the vocabularies it uses and the shipped data, is OWL 2 DL and
consistent.

Two checks, because no single Python tool does both:
- **the OWL 2 DL typing rules** that critmin's data can break, written out here
  (`dl_problems`): every class and property declared, each property of exactly one
  kind, object properties with IRI values, data properties with literals whose
  datatype is in the OWL 2 datatype map. (The OWL API's profile checker is Java-only;
  py-horned-owl reads OWL but has no DL profile check.)
- **consistency under HermiT** (owlready2 runs it on Debian's Java runtime, which the
  Makefile installs): the merged graph has a model; a planted contradiction has none.

The vocabularies (PROV-O, SKOS, DCTERMS, ORG, FOAF, schema.org) enter as the minimal
declarations in ontology/external-terms.ttl, including PROV-O's disjointness of
activities and entities, the axiom that made the old ontology inconsistent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

PROJECT = Path(__file__).resolve().parents[1]
BUILTIN = (str(RDF), str(RDFS), str(OWL))
# The OWL 2 datatype map (OWL 2 Structural Specification, section 4).
DATATYPE_MAP = {
    *(XSD[name] for name in (
        "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger", "negativeInteger",
        "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
        "double", "float", "string", "normalizedString", "token", "language", "Name", "NCName", "NMTOKEN",
        "boolean", "hexBinary", "base64Binary", "anyURI", "dateTime", "dateTimeStamp")),
    RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString, RDFS.Literal, OWL.real, OWL.rational,
}  # fmt: skip
KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def merged(*extra: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((PROJECT / "ontology").glob("*.ttl")) + sorted((PROJECT / "data").glob("*.ttl")):
        graph.parse(path)
    for turtle in extra:
        graph.parse(data=turtle, format="turtle")
    return graph


def dl_problems(graph: rdflib.Graph) -> list[str]:
    problems = []
    kinds = {p: {k for k in KINDS if (p, RDF.type, k) in graph} for p in set(graph.predicates())}
    for prop, declared in kinds.items():
        if str(prop).startswith(BUILTIN):
            continue
        if len(declared) != 1:
            problems.append(f"{prop} is declared as {sorted(map(str, declared)) or 'nothing'}")
            continue
        [kind] = declared
        for value in graph.objects(None, prop):
            if kind == OWL.ObjectProperty and isinstance(value, rdflib.Literal):
                problems.append(f"object property {prop} has a literal value {value!r}")
            if kind == OWL.DatatypeProperty and not isinstance(value, rdflib.Literal):
                problems.append(f"data property {prop} has a non-literal value {value}")
            if kind == OWL.DatatypeProperty and isinstance(value, rdflib.Literal):
                datatype = value.datatype or (RDF.langString if value.language else XSD.string)
                if datatype not in DATATYPE_MAP:
                    problems.append(f"data property {prop} has a value of {datatype}, outside the OWL 2 datatype map")
    for prop in graph.subjects(RDF.type, OWL.DatatypeProperty):
        for datatype in graph.objects(prop, RDFS.range):
            if datatype not in DATATYPE_MAP:
                problems.append(f"data property {prop} has range {datatype}, outside the OWL 2 datatype map")
    used = set(graph.objects(None, RDF.type)) | set(graph.objects(None, RDFS.subClassOf))
    used |= set(graph.objects(None, OWL.disjointWith))
    used |= {c for p in graph.subjects(RDF.type, OWL.ObjectProperty) for r in (RDFS.domain, RDFS.range)
             for c in graph.objects(p, r)}  # fmt: skip
    for cls in used:
        if (
            isinstance(cls, rdflib.URIRef)
            and not str(cls).startswith(BUILTIN)
            and (cls, RDF.type, OWL.Class) not in graph
        ):
            problems.append(f"class {cls} is used but not declared")
    return sorted(set(problems))


def test_ontology_vocabularies_and_data_are_owl2_dl():
    assert dl_problems(merged()) == []


@pytest.mark.parametrize(
    "planted, problem",
    [
        ("<https://example.org/x> <http://purl.org/dc/terms/unknownTerm> 1 .", "is declared as nothing"),
        ('<https://example.org/x> <https://w3id.org/critmin/ontology#position> '
         '"2019-06"^^<http://www.w3.org/2001/XMLSchema#gYearMonth> .',
         "outside the OWL 2 datatype map"),
        ("<https://example.org/x> a <http://example.org/UndeclaredClass> .", "is used but not declared"),
        ("<http://purl.org/dc/terms/source> a <http://www.w3.org/2002/07/owl#AnnotationProperty> .", "is declared as"),
    ],
)  # fmt: skip
def test_the_dl_check_finds_planted_violations(planted, problem):
    assert any(problem in p for p in dl_problems(merged(planted)))


JAVA = shutil.which("java")


def consistent(graph: rdflib.Graph, folder: Path) -> bool:
    import owlready2

    path = folder / "merged.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load(format="ntriples")
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    return True


def test_java_runtime_is_installed_for_hermit():
    assert JAVA, "no java: `make system-packages` installs default-jre-headless"


def test_merged_graph_is_consistent_under_hermit(tmp_path):
    assert consistent(merged(), tmp_path)


@pytest.mark.parametrize(
    "planted",
    [
        # The old modelling: dct:source as a PROV derivation and events as PROV activities.
        "<http://purl.org/dc/terms/source> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> "
        "<http://www.w3.org/ns/prov#wasDerivedFrom> . "
        "<http://www.w3.org/ns/prov#wasDerivedFrom> a <http://www.w3.org/2002/07/owl#ObjectProperty> ; "
        "<http://www.w3.org/2000/01/rdf-schema#domain> <http://www.w3.org/ns/prov#Entity> . "
        "<https://w3id.org/critmin/ontology#Event> <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        "<http://www.w3.org/ns/prov#Activity> .",
        # A node in two classes the ontology declares disjoint.
        "<https://w3id.org/critmin/id/element/lithium> a <https://w3id.org/critmin/ontology#Commodity> .",
    ],
)
def test_a_planted_inconsistency_is_found(tmp_path, planted):
    assert not consistent(merged(planted), tmp_path)
