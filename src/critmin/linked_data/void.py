"""The dataset's VoID + DCAT 3 description, for crawlers and catalogue harvesters."""

from __future__ import annotations

import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from critmin import __version__
from critmin.linked_data import dcat_ap
from critmin.linked_data.dcat_ap import LICENSE, SPDX, CatalogSettings
from critmin.linked_data.dumps import Dump
from critmin.rdf.namespaces import CM, DATASET_IRI
from critmin.store import ReadableStore
from critmin.summary import citation

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT_VERSION = rdflib.URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3; rdflib's DCAT namespace predates it
WIKIDATA = "http://www.wikidata.org/entity/"
CGI = "http://resource.geosciml.org/classifier/cgi/commodity-code/"
VOCABULARIES = [
    "https://w3id.org/critmin/ontology#", "http://www.w3.org/2004/02/skos/core#", "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/prov#", "http://xmlns.com/foaf/0.1/", "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/shacl#", "http://www.w3.org/2002/07/owl#",
]  # fmt: skip


DISTINCT_TRIPLES = "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
ENTITIES_QUERY = """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
    ?s ?p ?o FILTER STRSTARTS(STR(?s), "https://w3id.org/critmin/id/") }"""
PROPERTY_PARTITION_QUERY = f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {DISTINCT_TRIPLES} }} GROUP BY ?p ORDER BY ?p"
LINK_COUNT_QUERY = """SELECT (COUNT(*) AS ?n) WHERE {{
    SELECT DISTINCT ?s ?o WHERE {{ ?s <{predicate}> ?o FILTER STRSTARTS(STR(?o), "{target}") }} }}"""


def count_union_triples(store: ReadableStore) -> int:
    """Distinct triples of the public union, counted by the engine (not in Python)."""
    return _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {DISTINCT_TRIPLES} }}")


def _count(store: ReadableStore, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def describe_dataset(store: ReadableStore, base: str, dumps: list[Dump], modified: str | None,
                     release: str = "unreleased", catalog: CatalogSettings | None = None,
                     issued: str | None = None) -> rdflib.Graph:  # fmt: skip
    """VoID (statistics, linksets) and DCAT-AP 3.0.1 (catalog, service, distributions)."""
    graph = rdflib.Graph()
    for prefix, namespace in (("void", VOID), ("dcat", DCAT), ("dct", DCTERMS), ("spdx", SPDX), ("foaf", FOAF)):
        graph.bind(prefix, namespace)
    dataset = DATASET_IRI
    version = store.dataset_version() or "unversioned"
    add = graph.add
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, RDF.type, DCAT.Dataset))
    add((dataset, DCTERMS.title, rdflib.Literal("critmin: critical minerals knowledge graph", lang="en")))
    add((dataset, DCTERMS.description, rdflib.Literal(
        "Critical-mineral lists, supply relations, technology uses and agreements between governments, "
        "each fact with the source document it comes from.", lang="en")))  # fmt: skip
    dcat_ap.describe_catalog(graph, store, base, catalog or CatalogSettings(), issued, modified)
    add((dataset, DCTERMS.license, LICENSE))
    add((dataset, DCAT_VERSION, rdflib.Literal(release)))  # human-readable; the content hash beside it
    add((dataset, CM.datasetVersion, rdflib.Literal(version)))
    add((dataset, rdflib.OWL.versionInfo, rdflib.Literal(f"{release} (content {version}; critmin {__version__})")))
    add((dataset, DCTERMS.bibliographicCitation, rdflib.Literal(citation({"release": release, "version": version,
                                                                           "modified": modified}, base))))  # fmt: skip
    if modified:
        add((dataset, DCTERMS.modified, rdflib.Literal(modified, datatype=XSD.dateTime)))
    add((dataset, DCAT.keyword, rdflib.Literal("critical minerals", lang="en")))
    add((dataset, DCAT.landingPage, rdflib.URIRef(f"{base}/dataset")))
    add((rdflib.URIRef(f"{base}/dataset"), RDF.type, FOAF.Document))
    add((dataset, FOAF.homepage, rdflib.URIRef(f"{base}/")))
    add((dataset, VOID.uriSpace, rdflib.Literal("https://w3id.org/critmin/id/")))
    add((dataset, VOID.sparqlEndpoint, rdflib.URIRef(f"{base}/sparql")))
    add((dataset, VOID.rootResource, rdflib.URIRef("https://w3id.org/critmin/id/country/CA")))
    add((dataset, DCTERMS.conformsTo, rdflib.URIRef("https://w3id.org/critmin/ontology")))
    add((rdflib.URIRef("https://w3id.org/critmin/ontology"), RDF.type, DCTERMS.Standard))
    for namespace in VOCABULARIES:
        add((dataset, VOID.vocabulary, rdflib.URIRef(namespace)))
    _statistics(graph, store)
    _linksets(graph, store)
    _service(graph, base)
    _distributions(graph, dumps, base)
    add((dataset, RDFS.seeAlso, rdflib.URIRef(f"{base}/changes")))
    add((dataset, RDFS.seeAlso, rdflib.URIRef(f"{base}/patches/")))  # the deltas between versions (README)
    return graph


def _statistics(graph: rdflib.Graph, store: ReadableStore) -> None:
    """Triples, entities, and the class and property partitions (VoID)."""
    add, dataset = graph.add, DATASET_IRI
    triples = count_union_triples(store)
    add((dataset, VOID.triples, rdflib.Literal(triples, datatype=XSD.integer)))
    entities = _count(store, ENTITIES_QUERY)
    add((dataset, VOID.entities, rdflib.Literal(entities, datatype=XSD.integer)))
    add((dataset, VOID.distinctSubjects, rdflib.Literal(entities, datatype=XSD.integer)))

    for row in store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"):
        partition = rdflib.BNode()
        add((dataset, VOID.classPartition, partition))
        add((partition, VOID["class"], rdflib.URIRef(row["c"].value)))
        add((partition, VOID.entities, rdflib.Literal(int(row["n"].value), datatype=XSD.integer)))
    for row in store.query(PROPERTY_PARTITION_QUERY):
        partition = rdflib.BNode()
        add((dataset, VOID.propertyPartition, partition))
        add((partition, VOID.property, rdflib.URIRef(row["p"].value)))
        add((partition, VOID.triples, rdflib.Literal(int(row["n"].value), datatype=XSD.integer)))


def _linksets(graph: rdflib.Graph, store: ReadableStore) -> None:
    """One VoID linkset per external vocabulary and link predicate that the data uses."""
    add, dataset = graph.add, DATASET_IRI
    for name, target, homepage in (("wikidata", WIKIDATA, "https://www.wikidata.org/"),
                                   ("cgi-commodity-code", CGI, "http://resource.geosciml.org/classifier/cgi/commodity-code")):  # fmt: skip  # noqa: E501
        for predicate in (rdflib.SKOS.exactMatch, rdflib.SKOS.relatedMatch):
            count = _count(store, LINK_COUNT_QUERY.format(predicate=predicate, target=target))
            if not count:
                continue
            linkset = rdflib.URIRef(f"{DATASET_IRI}/linkset/{name}-{predicate.split('#')[1]}")
            other = rdflib.URIRef(homepage)
            add((dataset, VOID.subset, linkset))
            add((linkset, RDF.type, VOID.Linkset))
            add((linkset, VOID.subjectsTarget, dataset))
            add((linkset, VOID.objectsTarget, other))
            add((other, RDF.type, VOID.Dataset))
            add((other, VOID.uriSpace, rdflib.Literal(target)))
            add((linkset, VOID.linkPredicate, predicate))
            add((linkset, VOID.triples, rdflib.Literal(count, datatype=XSD.integer)))


def _service(graph: rdflib.Graph, base: str) -> None:
    """The SPARQL endpoint as a dcat:DataService serving the dataset."""
    add, dataset = graph.add, DATASET_IRI
    service = rdflib.URIRef(f"{base}/sparql")
    add((service, RDF.type, DCAT.DataService))
    add((service, DCTERMS.title, rdflib.Literal("critmin SPARQL 1.1 endpoint", lang="en")))
    add((service, DCAT.endpointURL, service))
    add((service, DCAT.endpointDescription, service))
    add((service, DCTERMS.conformsTo, rdflib.URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    add((rdflib.URIRef("https://www.w3.org/TR/sparql11-protocol/"), RDF.type, DCTERMS.Standard))
    add((service, DCAT.landingPage, rdflib.URIRef(f"{base}/")))
    add((rdflib.URIRef(f"{base}/"), RDF.type, FOAF.Document))
    add((service, DCTERMS.license, dcat_ap.licence(graph)))
    add((service, DCAT.servesDataset, dataset))


def _distributions(graph: rdflib.Graph, dumps: list[Dump], base: str) -> None:
    """Each dump as a void:dataDump and a dcat:Distribution with its size and checksum."""
    add, dataset = graph.add, DATASET_IRI
    for dump in dumps:
        url = rdflib.URIRef(f"{base}/dumps/{dump.file_name}")
        distribution = rdflib.URIRef(f"{base}/dumps/{dump.file_name}#distribution")
        add((dataset, VOID.dataDump, url))
        add((dataset, DCAT.distribution, distribution))
        add((distribution, RDF.type, DCAT.Distribution))
        add((distribution, DCTERMS.title, rdflib.Literal(dump.description, lang="en")))
        add((distribution, DCAT.downloadURL, url))
        add((distribution, DCAT.accessURL, url))
        dcat_ap.describe_distribution(graph, distribution, dump, base)
        add((distribution, DCAT.byteSize, rdflib.Literal(dump.byte_size, datatype=XSD.nonNegativeInteger)))
        add((distribution, VOID.triples, rdflib.Literal(dump.triples, datatype=XSD.integer)))
        checksum = rdflib.BNode()
        add((distribution, SPDX.checksum, checksum))
        add((checksum, RDF.type, SPDX.Checksum))
        add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        add((checksum, SPDX.checksumValue, rdflib.Literal(dump.sha256, datatype=XSD.hexBinary)))
