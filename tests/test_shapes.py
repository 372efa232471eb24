"""Every SHACL constraint is proven by a fixture that breaks it.

A minimal conforming graph (fixtures/valid-minimal.ttl) is broken one way per case;
the report must name the shape (or SPARQL constraint), the focus node and the path.
A final test checks that every constraint in shapes/ has at least one case.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import SH

from critmin.rdf.namespaces import CM, CMS
from critmin.semantics import validation

FIXTURES = Path(__file__).parent / "fixtures"
T = rdflib.Namespace("https://example.org/test/")
PREFIXES = """
@prefix cm:   <https://w3id.org/critmin/ontology#> .
@prefix t:    <https://example.org/test/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org:  <http://www.w3.org/ns/org#> .
"""
NS = {
    "cm": str(CM),
    "t": str(T),
    "rdfs": str(rdflib.RDFS),
    "rdf": str(rdflib.RDF),
    "skos": str(rdflib.SKOS),
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
}


def iri(curie: str) -> rdflib.URIRef:
    prefix, local = curie.split(":", 1)
    return rdflib.URIRef(NS[prefix] + local)


# (shape or SPARQL constraint, component, focus, path, triples to remove "s p", Turtle to add)
CASES = [
    ("Sourced-source", "MinCount", "t:supply", "dct:source", ["t:supply dct:source"], ""),
    ("Sourced-source", "Class", "t:CA", "dct:source", ["t:CA dct:source"], "t:CA dct:source t:issuer ."),
    ("Labelled-label", "MinCount", "t:lithium", "rdfs:label", ["t:lithium rdfs:label"], ""),
    ("Labelled-label", "NodeKind", "t:area", "rdfs:label", ["t:area rdfs:label"], "t:area rdfs:label t:CA ."),
    ("Labelled-label", "UniqueLang", "t:sector", "rdfs:label", [], 't:sector rdfs:label "other"@en .'),
    (
        "Labelled-label",
        "LanguageIn",
        "t:joint",
        "rdfs:label",
        ["t:joint rdfs:label"],
        't:joint rdfs:label "Joint"@de .',
    ),
    ("Event-actor", "Or", "t:announced", "cm:actor", [], "t:announced cm:actor t:lithium ."),
    ("SourceDocument-title", "MinCount", "t:src", "dct:title", ["t:src dct:title"], ""),
    ("SourceDocument-title", "MaxCount", "t:src", "dct:title", [], 't:src dct:title "second" .'),
    ("SourceDocument-publisher", "MinCount", "t:src", "dct:publisher", ["t:src dct:publisher"], ""),
    (
        "SourceDocument-publisher",
        "Class",
        "t:src",
        "dct:publisher",
        ["t:src dct:publisher"],
        "t:src dct:publisher t:CA .",
    ),
    ("DatedSourceShape", "Or", "t:src", None, ["t:src dct:issued"], ""),
    ("SourceDocument-issued", "MaxCount", "t:src", "dct:issued", [], 't:src dct:issued "2021"^^xsd:gYear .'),
    ("SourceDocument-issued", "Or", "t:src", "dct:issued", ["t:src dct:issued"], 't:src dct:issued "9 January 2020" .'),
    ("SourceDocument-page", "MinCount", "t:src", "foaf:page", ["t:src foaf:page"], ""),
    ("SourceDocument-page", "MaxCount", "t:src", "foaf:page", [], "t:src foaf:page <https://example.org/b> ."),
    (
        "SourceDocument-page",
        "NodeKind",
        "t:src",
        "foaf:page",
        ["t:src foaf:page"],
        't:src foaf:page "https://example.org/doc" .',
    ),
    ("SourceDocument-notation", "MinCount", "t:src", "skos:notation", ["t:src skos:notation"], ""),
    ("SourceDocument-notation", "MaxCount", "t:src", "skos:notation", [], 't:src skos:notation "TEST-2" .'),
    (
        "SourceDocument-notation",
        "Datatype",
        "t:src",
        "skos:notation",
        ["t:src skos:notation"],
        "t:src skos:notation 7 .",
    ),
    ("Element-symbol", "MaxCount", "t:Li", "cm:elementSymbol", [], 't:Li cm:elementSymbol "Lt" .'),
    (
        "Element-symbol",
        "Datatype",
        "t:Li",
        "cm:elementSymbol",
        ["t:Li cm:elementSymbol"],
        't:Li cm:elementSymbol "Li"@en .',
    ),
    (
        "Element-symbol",
        "Pattern",
        "t:Li",
        "cm:elementSymbol",
        ["t:Li cm:elementSymbol"],
        't:Li cm:elementSymbol "LI" .',
    ),
    ("Country-code", "MinCount", "t:CA", "cm:iso3166Alpha2", ["t:CA cm:iso3166Alpha2"], ""),
    ("Country-code", "MaxCount", "t:CA", "cm:iso3166Alpha2", [], 't:CA cm:iso3166Alpha2 "CN" .'),
    (
        "Country-code",
        "Datatype",
        "t:CA",
        "cm:iso3166Alpha2",
        ["t:CA cm:iso3166Alpha2"],
        't:CA cm:iso3166Alpha2 "CA"@en .',
    ),
    ("Country-code", "Pattern", "t:CA", "cm:iso3166Alpha2", ["t:CA cm:iso3166Alpha2"], 't:CA cm:iso3166Alpha2 "CAN" .'),
    ("Government-country", "MinCount", "t:govCA", "cm:governmentOf", ["t:govCA cm:governmentOf"], ""),
    ("Government-country", "MaxCount", "t:govCA", "cm:governmentOf", [], "t:govCA cm:governmentOf t:US ."),
    (
        "Government-country",
        "Class",
        "t:govCA",
        "cm:governmentOf",
        ["t:govCA cm:governmentOf"],
        "t:govCA cm:governmentOf t:lithium .",
    ),
    ("Person-role", "MinCount", "t:pm", "cm:officeAsStated", ["t:pm cm:officeAsStated"], ""),
    ("Person-role", "Datatype", "t:pm", "cm:officeAsStated", ["t:pm cm:officeAsStated"], "t:pm cm:officeAsStated 5 ."),
    ("Sourced-source", "MinCount", "t:pm", "dct:source", ["t:pm dct:source"], ""),
    (
        "Commodity-element",
        "MaxCount",
        "t:lithium",
        "cm:element",
        [],
        't:lithium cm:element t:Na . t:Na a cm:ChemicalElement ; rdfs:label "sodium"@en ; dct:source t:src .',
    ),
    ("Commodity-element", "Class", "t:lithium", "cm:element", ["t:lithium cm:element"], "t:lithium cm:element t:ree ."),
    ("CommodityGroup-member", "MinCount", "t:ree", "cm:hasMemberElement", ["t:ree cm:hasMemberElement"], ""),
    ("CommodityGroup-member", "Class", "t:ree", "cm:hasMemberElement", [], "t:ree cm:hasMemberElement t:lithium ."),
    (
        "Commodity-wikidataIsNotIdentity",
        "Not",
        "t:lithium",
        "skos:exactMatch",
        [],
        "t:lithium skos:exactMatch <http://www.wikidata.org/entity/Q568> .",
    ),
    ("ElementIsNotCommodity", "Not", "t:Li", None, [], "t:Li a cm:Commodity ."),
    ("AgreementIsNotInitiative", "Not", "t:ergi", None, [], "t:ergi a cm:Agreement ."),
    ("SupplyRelationShape", "Or", "t:supply", None, ["t:supply cm:supplierRank", "t:supply cm:shareOfNeeds"], ""),
    (
        "CriticalMineralList-statedCount",
        "SPARQL",
        "t:list",
        None,
        ["t:list cm:statedEntryCount"],
        "t:list cm:statedEntryCount 3 .",
    ),
    ("CriticalMineralList-jurisdiction", "MinCount", "t:list", "cm:jurisdiction", ["t:list cm:jurisdiction"], ""),
    ("CriticalMineralList-jurisdiction", "MaxCount", "t:list", "cm:jurisdiction", [], "t:list cm:jurisdiction t:CA ."),
    (
        "CriticalMineralList-jurisdiction",
        "Class",
        "t:list",
        "cm:jurisdiction",
        ["t:list cm:jurisdiction"],
        "t:list cm:jurisdiction t:govCA .",
    ),
    ("CriticalMineralList-issued", "MinCount", "t:list", "dct:issued", ["t:list dct:issued"], ""),
    ("CriticalMineralList-issued", "MaxCount", "t:list", "dct:issued", [], 't:list dct:issued "2018"^^xsd:gYear .'),
    (
        "CriticalMineralList-issued",
        "Or",
        "t:list",
        "dct:issued",
        ["t:list dct:issued"],
        't:list dct:issued "May 2018" .',
    ),
    ("CriticalMineralList-publisher", "MinCount", "t:list", "dct:publisher", ["t:list dct:publisher"], ""),
    (
        "CriticalMineralList-publisher",
        "Class",
        "t:list",
        "dct:publisher",
        ["t:list dct:publisher"],
        "t:list dct:publisher t:US .",
    ),
    ("CriticalMineralList-entry", "MinCount", "t:list", "cm:hasEntry", ["t:list cm:hasEntry"], ""),
    ("CriticalMineralList-entry", "Class", "t:list", "cm:hasEntry", [], "t:list cm:hasEntry t:lithium ."),
    ("ListEntry-list", "MinCount", "t:entry1", "cm:inList", ["t:entry1 cm:inList"], ""),
    (
        "ListEntry-list",
        "MaxCount",
        "t:entry1",
        "cm:inList",
        [],
        "t:entry1 cm:inList t:list2 . t:list2 a cm:CriticalMineralList .",
    ),
    ("ListEntry-list", "Class", "t:entry1", "cm:inList", ["t:entry1 cm:inList"], "t:entry1 cm:inList t:US ."),
    ("ListEntry-position", "MinCount", "t:entry1", "cm:position", ["t:entry1 cm:position"], ""),
    ("ListEntry-position", "MaxCount", "t:entry1", "cm:position", [], "t:entry1 cm:position 3 ."),
    (
        "ListEntry-position",
        "Datatype",
        "t:entry1",
        "cm:position",
        ["t:entry1 cm:position"],
        't:entry1 cm:position "first" .',
    ),
    (
        "ListEntry-position",
        "MinInclusive",
        "t:entry1",
        "cm:position",
        ["t:entry1 cm:position"],
        "t:entry1 cm:position 0 .",
    ),
    ("ListEntry-text", "MinCount", "t:entry1", "cm:entryAsWritten", ["t:entry1 cm:entryAsWritten"], ""),
    ("ListEntry-text", "MaxCount", "t:entry1", "cm:entryAsWritten", [], 't:entry1 cm:entryAsWritten "Li" .'),
    (
        "ListEntry-text",
        "Datatype",
        "t:entry1",
        "cm:entryAsWritten",
        ["t:entry1 cm:entryAsWritten"],
        't:entry1 cm:entryAsWritten "Lithium"@en .',
    ),
    (
        "ListEntry-text",
        "MinLength",
        "t:entry1",
        "cm:entryAsWritten",
        ["t:entry1 cm:entryAsWritten"],
        't:entry1 cm:entryAsWritten "" .',
    ),
    ("ListEntry-denotes", "MinCount", "t:entry1", "cm:denotes", ["t:entry1 cm:denotes"], ""),
    ("ListEntry-denotes", "MaxCount", "t:entry1", "cm:denotes", [], "t:entry1 cm:denotes t:ree ."),
    ("ListEntry-denotes", "Class", "t:entry1", "cm:denotes", ["t:entry1 cm:denotes"], "t:entry1 cm:denotes t:Li ."),
    (
        "ListEntry-uniquePosition",
        "SPARQL",
        "t:entry2",
        "cm:position",
        ["t:entry2 cm:position"],
        "t:entry2 cm:position 1 .",
    ),
    ("Supply-supplier", "MinCount", "t:supply", "cm:supplier", ["t:supply cm:supplier"], ""),
    ("Supply-supplier", "MaxCount", "t:count", "cm:supplier", [], "t:count cm:supplier t:US ."),
    (
        "Supply-supplier",
        "Class",
        "t:potential",
        "cm:supplier",
        ["t:potential cm:supplier"],
        "t:potential cm:supplier t:govCA .",
    ),
    ("Supply-recipient", "MinCount", "t:supply", "cm:recipient", ["t:supply cm:recipient"], ""),
    ("Supply-recipient", "MaxCount", "t:supply", "cm:recipient", [], "t:supply cm:recipient t:CA ."),
    (
        "Supply-recipient",
        "Class",
        "t:count",
        "cm:recipient",
        ["t:count cm:recipient"],
        "t:count cm:recipient t:lithium .",
    ),
    ("Supply-commodity", "MinCount", "t:supply", "cm:commodity", ["t:supply cm:commodity"], ""),
    ("TechnologyUse-commodity", "MinCount", "t:use", "cm:commodity", ["t:use cm:commodity"], ""),
    ("TechnologyUse-commodity", "MaxCount", "t:use", "cm:commodity", [], "t:use cm:commodity t:lithium ."),
    ("TechnologyUse-commodity", "Class", "t:use", "cm:commodity", ["t:use cm:commodity"], "t:use cm:commodity t:Li ."),
    ("Supply-commodity", "MaxCount", "t:supply", "cm:commodity", [], "t:supply cm:commodity t:ree ."),
    (
        "Supply-commodity",
        "Class",
        "t:potential",
        "cm:commodity",
        ["t:potential cm:commodity"],
        "t:potential cm:commodity t:Li .",
    ),
    ("SupplyRelation-rank", "MaxCount", "t:supply", "cm:supplierRank", [], "t:supply cm:supplierRank 2 ."),
    (
        "SupplyRelation-rank",
        "Datatype",
        "t:supply",
        "cm:supplierRank",
        ["t:supply cm:supplierRank"],
        "t:supply cm:supplierRank 1.5 .",
    ),
    (
        "SupplyRelation-rank",
        "MinInclusive",
        "t:supply",
        "cm:supplierRank",
        ["t:supply cm:supplierRank"],
        "t:supply cm:supplierRank 0 .",
    ),
    ("SupplyRelation-share", "MaxCount", "t:supply", "cm:shareOfNeeds", [], "t:supply cm:shareOfNeeds 0.5 ."),
    (
        "SupplyRelation-share",
        "Datatype",
        "t:supply",
        "cm:shareOfNeeds",
        ["t:supply cm:shareOfNeeds"],
        't:supply cm:shareOfNeeds "a quarter" .',
    ),
    (
        "SupplyRelation-share",
        "MinInclusive",
        "t:supply",
        "cm:shareOfNeeds",
        ["t:supply cm:shareOfNeeds"],
        "t:supply cm:shareOfNeeds -0.1 .",
    ),
    (
        "SupplyRelation-share",
        "MaxInclusive",
        "t:supply",
        "cm:shareOfNeeds",
        ["t:supply cm:shareOfNeeds"],
        "t:supply cm:shareOfNeeds 1.5 .",
    ),
    (
        "SupplyRelation-years",
        "MaxCount",
        "t:supply",
        "cm:minimumPartnershipYears",
        [],
        "t:supply cm:minimumPartnershipYears 80 .",
    ),
    (
        "SupplyRelation-years",
        "Datatype",
        "t:supply",
        "cm:minimumPartnershipYears",
        ["t:supply cm:minimumPartnershipYears"],
        't:supply cm:minimumPartnershipYears "75+" .',
    ),
    (
        "SupplyRelation-years",
        "MinInclusive",
        "t:supply",
        "cm:minimumPartnershipYears",
        ["t:supply cm:minimumPartnershipYears"],
        "t:supply cm:minimumPartnershipYears -1 .",
    ),
    ("SupplyCount-count", "MinCount", "t:count", "cm:statedCount", ["t:count cm:statedCount"], ""),
    ("SupplyCount-count", "MaxCount", "t:count", "cm:statedCount", [], "t:count cm:statedCount 12 ."),
    (
        "SupplyCount-count",
        "Datatype",
        "t:count",
        "cm:statedCount",
        ["t:count cm:statedCount"],
        't:count cm:statedCount "thirteen" .',
    ),
    (
        "SupplyCount-count",
        "MinInclusive",
        "t:count",
        "cm:statedCount",
        ["t:count cm:statedCount"],
        "t:count cm:statedCount -13 .",
    ),
    ("SupplyCount-total", "MaxCount", "t:count", "cm:statedTotal", [], "t:count cm:statedTotal 36 ."),
    (
        "SupplyCount-total",
        "Datatype",
        "t:count",
        "cm:statedTotal",
        ["t:count cm:statedTotal"],
        't:count cm:statedTotal "35" .',
    ),
    (
        "SupplyCount-total",
        "MinInclusive",
        "t:count",
        "cm:statedTotal",
        ["t:count cm:statedTotal"],
        "t:count cm:statedTotal 0 .",
    ),
    ("SupplyCount-list", "MinCount", "t:count", "cm:ofList", ["t:count cm:ofList"], ""),
    (
        "SupplyCount-list",
        "MaxCount",
        "t:count",
        "cm:ofList",
        [],
        "t:count cm:ofList t:list2 . t:list2 a cm:CriticalMineralList .",
    ),
    ("SupplyCount-list", "Class", "t:count", "cm:ofList", ["t:count cm:ofList"], "t:count cm:ofList t:entry1 ."),
    (
        "Supply-supplierIsNotRecipient",
        "Disjoint",
        "t:supply",
        "cm:supplier",
        ["t:supply cm:recipient"],
        "t:supply cm:recipient t:CA .",
    ),
    (
        "SupplyCount-countWithinTotal",
        "LessThanOrEquals",
        "t:count",
        "cm:statedCount",
        ["t:count cm:statedCount"],
        "t:count cm:statedCount 36 .",
    ),
    ("TechnologyUse-technology", "MinCount", "t:use", "cm:technology", ["t:use cm:technology"], ""),
    (
        "TechnologyUse-technology",
        "MaxCount",
        "t:use",
        "cm:technology",
        [],
        't:use cm:technology t:pv . t:pv a cm:SolarPowerTechnology ; rdfs:label "pv"@en ; dct:source t:src .',
    ),
    (
        "TechnologyUse-technology",
        "Class",
        "t:use",
        "cm:technology",
        ["t:use cm:technology"],
        "t:use cm:technology t:sector .",
    ),
    ("TechnologyUse-role", "MinCount", "t:use", "cm:roleAsStated", ["t:use cm:roleAsStated"], ""),
    (
        "TechnologyUse-role",
        "Datatype",
        "t:use",
        "cm:roleAsStated",
        ["t:use cm:roleAsStated"],
        "t:use cm:roleAsStated 42 .",
    ),
    ("Arrangement-party", "MinCount", "t:plan", "cm:party", ["t:plan cm:party"], ""),
    ("Arrangement-party", "Class", "t:plan", "cm:party", [], "t:plan cm:party t:govCA ."),
    ("Arrangement-lead", "MaxCount", "t:ergi", "cm:leadParty", [], "t:ergi cm:leadParty t:CA ."),
    ("Arrangement-lead", "Class", "t:ergi", "cm:leadParty", ["t:ergi cm:leadParty"], "t:ergi cm:leadParty t:govCA ."),
    ("Arrangement-area", "Class", "t:plan", "cm:areaOfCooperation", [], "t:plan cm:areaOfCooperation t:sector ."),
    (
        "Arrangement-jointInitiative",
        "Class",
        "t:plan",
        "cm:promotesJointInitiative",
        [],
        "t:plan cm:promotesJointInitiative t:area .",
    ),
    (
        "Arrangement-sector",
        "Class",
        "t:plan",
        "cm:securesSupplyChainsFor",
        [],
        "t:plan cm:securesSupplyChainsFor t:wind .",
    ),
    ("Event-date", "MaxCount", "t:announced", "cm:date", [], 't:announced cm:date "2020-01-10"^^xsd:date .'),
    ("Event-date", "Datatype", "t:announced", "cm:date", ["t:announced cm:date"], 't:announced cm:date "2020-01" .'),
    (
        "Event-partialDate",
        "MaxCount",
        "t:commitment",
        "cm:partialDate",
        [],
        't:commitment cm:partialDate "2019"^^xsd:gYear .',
    ),
    (
        "Event-partialDate",
        "Or",
        "t:commitment",
        "cm:partialDate",
        ["t:commitment cm:partialDate"],
        't:commitment cm:partialDate "June 2019" .',
    ),
    ("Milestone-of", "MinCount", "t:announced", "cm:milestoneOf", ["t:announced cm:milestoneOf"], ""),
    ("Milestone-of", "MaxCount", "t:announced", "cm:milestoneOf", [], "t:announced cm:milestoneOf t:ergi ."),
    (
        "Milestone-of",
        "Class",
        "t:announced",
        "cm:milestoneOf",
        ["t:announced cm:milestoneOf"],
        "t:announced cm:milestoneOf t:list .",
    ),
    ("MilestoneShape", "Or", "t:announced", None, ["t:announced cm:date"], ""),
    ("OntologyTerms-defined", "SPARQL", "t:supply", "cm:suplier", [], "t:supply cm:suplier t:CA ."),
    ("OntologyTerms-defined", "SPARQL", "t:area", "rdf:type", [], "t:area a cm:CooperationAreas ."),
]


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(Path(__file__).parents[1] / "ontology" / "critmin.ttl")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(Path(__file__).parents[1] / "shapes" / "critmin-shapes.ttl")


def base_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(FIXTURES / "valid-minimal.ttl")


def test_minimal_fixture_conforms(ontology, shapes):
    report = validation.validate(base_graph(), ontology=ontology, shapes=shapes)
    assert report.conforms, report.to_text()
    assert report.violations == []


UNION = 't:EU a cm:CountryUnion ; rdfs:label "European Union"@en ; cm:iso3166Alpha2 "EU" ; dct:source t:src .'


def test_a_list_may_apply_to_a_union_of_countries(ontology, shapes):
    """Issue 12: a union jurisdiction (the EU) is a cm:Jurisdiction as a country is."""
    graph = base_graph()
    graph.remove((iri("t:list"), iri("cm:jurisdiction"), None))
    graph.parse(data=PREFIXES + UNION + " t:list cm:jurisdiction t:EU .", format="turtle")
    report = validation.validate(graph, ontology=ontology, shapes=shapes)
    assert report.conforms, report.to_text()
    coded = [t for t in graph if t[0] == iri("t:EU") and t[1] == iri("cm:iso3166Alpha2")]
    graph.remove(coded[0])
    report = validation.validate(graph, ontology=ontology, shapes=shapes)
    assert [(v.shape, v.focus_node) for v in report.violations] == [(str(CMS["Country-code"]), str(iri("t:EU")))]


@pytest.mark.parametrize(
    "shape, component, focus, path, removals, addition",
    CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_constraint_is_enforced(ontology, shapes, shape, component, focus, path, removals, addition):
    graph = base_graph()
    for removal in removals:
        subject, predicate = removal.split()
        assert (iri(subject), iri(predicate), None) in graph, f"fixture lacks {removal}"
        graph.remove((iri(subject), iri(predicate), None))
    if addition:
        graph.parse(data=PREFIXES + addition, format="turtle")

    report = validation.validate(graph, ontology=ontology, shapes=shapes)

    assert not report.conforms
    expected_component = str(SH[f"{component}ConstraintComponent"])
    matching = [
        v
        for v in report.violations
        if CMS[shape] in (rdflib.URIRef(v.shape), rdflib.URIRef(v.constraint or ""))
        and v.focus_node == str(iri(focus))
        and v.path == (str(iri(path)) if path else None)
        and v.component == expected_component
    ]
    assert matching, f"expected {shape}/{component} on {focus} {path}, got:\n{report.to_text()}"
    assert all(v.message and "{" not in v.message for v in matching)
    assert all(v.severity == "Violation" for v in matching)


def constraint_inventory(shapes: rdflib.Graph) -> set[tuple[str, str]]:
    """(shape, component) for every constraint the shapes declare."""
    parameters = {
        SH.minCount: "MinCount",
        SH.maxCount: "MaxCount",
        SH["class"]: "Class",
        SH.datatype: "Datatype",
        SH.nodeKind: "NodeKind",
        SH.pattern: "Pattern",
        SH.minInclusive: "MinInclusive",
        SH.maxInclusive: "MaxInclusive",
        SH.minLength: "MinLength",
        SH.uniqueLang: "UniqueLang",
        SH["or"]: "Or",
        SH.languageIn: "LanguageIn",
        SH.disjoint: "Disjoint",
        SH.lessThanOrEquals: "LessThanOrEquals",
        SH["not"]: "Not",
    }
    inventory = set()
    for shape in shapes.subjects(rdflib.RDF.type, SH.PropertyShape):
        for parameter, component in parameters.items():
            if (shape, parameter, None) in shapes:
                inventory.add((str(shape), component))
    for shape in shapes.subjects(rdflib.RDF.type, SH.NodeShape):  # node-level logical constraints
        for parameter, component in ((SH["not"], "Not"), (SH["or"], "Or")):
            if (shape, parameter, None) in shapes:
                inventory.add((str(shape), component))
    for constraint in shapes.subjects(rdflib.RDF.type, SH.SPARQLConstraint):
        inventory.add((str(constraint), "SPARQL"))
    return inventory


def test_every_constraint_has_a_failing_fixture(shapes):
    covered = {(str(CMS[shape]), component) for shape, component, *_ in CASES}
    missing = constraint_inventory(shapes) - covered
    assert not missing, f"constraints without a failing fixture: {sorted(missing)}"
    assert len(constraint_inventory(shapes)) > 90


def test_every_constraint_has_a_message(shapes):
    for shape, _ in constraint_inventory(shapes):
        messages = list(shapes.objects(rdflib.URIRef(shape), SH.message))
        assert messages, f"{shape} has no sh:message"
