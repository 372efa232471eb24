"""The SPARQL 1.1 Service Description of the endpoint (sd:Service)."""

from __future__ import annotations

import rdflib
from rdflib.namespace import RDF, XSD

from critmin.store import GraphSummary

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
ENTAILMENT = rdflib.Namespace("http://www.w3.org/ns/entailment/")

RESULT_FORMATS = [
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads",
]  # fmt: skip


def describe_service(
    endpoint: str, graphs: list[GraphSummary], union_triples: int, *, federation: bool, version: str | None
) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", FORMATS)
    graph.bind("cm", "https://w3id.org/critmin/ontology#")
    service = rdflib.URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for name in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[name]))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if federation:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    dataset = rdflib.BNode("dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    if version:
        graph.add((dataset, rdflib.URIRef("https://w3id.org/critmin/ontology#datasetVersion"), rdflib.Literal(version)))
    default = rdflib.BNode("default-graph")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, rdflib.Literal(union_triples, datatype=XSD.integer)))
    graph.add((default, DCT.description, rdflib.Literal("the union of all named graphs, with OWL 2 RL inferences")))
    for summary in graphs:
        named = rdflib.BNode()
        described = rdflib.BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, rdflib.URIRef(summary.name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, rdflib.Literal(summary.triples, datatype=XSD.integer)))
    return graph
