"""What DCAT-AP 3.0.1 asks of the dataset's description beyond VoID: the catalog, the
publisher and contact point (from the operator's settings), themes, coverage in space
and time read from the data, formats and access services of the distributions, and
the classes of every value, stated here rather than left to a validator to fetch.

Checked against the official shapes (tests/test_dcat_ap.py: zero violations, zero
warnings on all three files of ../shared/dcat-ap).
"""

from __future__ import annotations

from dataclasses import dataclass

import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from critmin import settings
from critmin.rdf import formats
from critmin.rdf.input import to_rdflib_term
from critmin.rdf.namespaces import DATASET_IRI, ID

VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = rdflib.Namespace("http://data.europa.eu/r5r/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
EU = "http://publications.europa.eu/resource/authority/"
LICENSE = rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
FILE_TYPES = {f.media_type: f.eu_file_type for f in formats.RDF if f.eu_file_type}
KEYWORDS = ["critical minerals", "critical raw materials", "mineral commodities", "supply chains",
            "knowledge graph", "linked data"]  # fmt: skip
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"


@dataclass(frozen=True)
class CatalogSettings:
    """Who publishes this instance and whom to contact. The defaults say they are
    defaults: an operator sets CRITMIN_PUBLISHER_NAME, CRITMIN_PUBLISHER_TYPE (an ADMS
    publisher type, e.g. NationalAuthority), CRITMIN_CONTACT_NAME, CRITMIN_CONTACT_EMAIL."""

    publisher_name: str = "critmin project (default publisher; the operator sets CRITMIN_PUBLISHER_NAME)"
    publisher_type: str = "NonProfitOrganisation"
    contact_name: str = "Operator of this critmin service (default contact; set CRITMIN_CONTACT_NAME)"
    contact_email: str | None = None

    @classmethod
    def from_environment(cls) -> CatalogSettings:
        env = settings.environment()
        found = {"publisher_name": env.publisher_name, "publisher_type": env.publisher_type,
                 "contact_name": env.contact_name, "contact_email": env.contact_email}  # fmt: skip
        return cls(**{k: v for k, v in found.items() if v})


COVERAGE_QUERY = """SELECT (MIN(?date) AS ?start) (MAX(?date) AS ?end) WHERE {
  { ?s dct:issued ?date } UNION { ?s cm:date ?date } UNION { ?s cm:asOf ?date }
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/critmin/id/") && DATATYPE(?date) = xsd:date)
}"""
PLACES_QUERY = """SELECT ?place ?label ?bbox ?centroid WHERE {
  { SELECT DISTINCT ?place WHERE {
      { ?x cm:jurisdiction ?place } UNION { ?x cm:party ?place } UNION { ?x cm:supplier ?place } } }
  ?place a cm:Country ; rdfs:label ?label .
  OPTIONAL { ?place <http://www.w3.org/ns/dcat#bbox> ?bbox }
  OPTIONAL { ?place <http://www.w3.org/ns/dcat#centroid> ?centroid }
} ORDER BY ?place"""


# The names of the controlled-vocabulary concepts used (the EU Publications Office's
# authority tables and ADMS), as those vocabularies give them.
CONCEPT_NAMES = {
    f"{EU}data-theme/ECON": "Economy and finance",
    f"{EU}planned-availability/STABLE": "Stable",
    "http://purl.org/adms/licencetype/Attribution": "Attribution",
    PUBLISHER_TYPES + "NonProfitOrganisation": "Non-Profit Organisation",
    PUBLISHER_TYPES + "NationalAuthority": "National authority",
    PUBLISHER_TYPES + "Academia-ScientificOrganisation": "Academia/Scientific organisation",
    PUBLISHER_TYPES + "IndustryConsortium": "Industry consortium",
    PUBLISHER_TYPES + "SupraNationalAuthority": "Supra-national authority",
}


def _typed(graph: rdflib.Graph, iri: str | rdflib.URIRef, kind: rdflib.URIRef) -> rdflib.URIRef:
    """`iri`, declared an instance of `kind` (and, for a concept, given its name)."""
    node = rdflib.URIRef(iri)
    graph.add((node, RDF.type, kind))
    if kind == SKOS.Concept and str(iri) in CONCEPT_NAMES:
        graph.add((node, SKOS.prefLabel, rdflib.Literal(CONCEPT_NAMES[str(iri)], lang="en")))
    return node


def licence(graph: rdflib.Graph) -> rdflib.URIRef:
    """CC BY 4.0 as a licence document with its ADMS licence type."""
    node = _typed(graph, LICENSE, DCTERMS.LicenseDocument)
    graph.add((node, DCTERMS.type, _typed(graph, "http://purl.org/adms/licencetype/Attribution", SKOS.Concept)))
    return node


def describe_catalog(graph: rdflib.Graph, store, base: str, settings: CatalogSettings, issued: str | None,
                     modified: str | None) -> None:  # fmt: skip
    """The catalog, publisher, contact and the dataset's DCAT-AP properties."""
    add, dataset = graph.add, DATASET_IRI
    graph.bind("vcard", VCARD)
    graph.bind("dcatap", DCATAP)
    catalog = _typed(graph, f"{base}/catalog", DCAT.Catalog)
    add((catalog, DCTERMS.title, rdflib.Literal("critmin catalog", lang="en")))
    about = "The critmin knowledge graph of critical minerals and the SPARQL service that serves it."
    add((catalog, DCTERMS.description, rdflib.Literal(about, lang="en")))
    add((catalog, DCAT.dataset, dataset))
    add((catalog, DCAT.service, rdflib.URIRef(f"{base}/sparql")))
    add((catalog, FOAF.homepage, _typed(graph, f"{base}/", FOAF.Document)))
    add((catalog, DCTERMS.license, licence(graph)))
    taxonomy = _typed(graph, f"{EU}data-theme", SKOS.ConceptScheme)
    add((catalog, DCAT.themeTaxonomy, taxonomy))
    add((taxonomy, DCTERMS.title, rdflib.Literal("Data theme", lang="en")))
    publisher = _typed(graph, f"{ID}agent/critmin-publisher", FOAF.Agent)
    add((publisher, FOAF.name, rdflib.Literal(settings.publisher_name)))
    add((publisher, DCTERMS.type, _typed(graph, PUBLISHER_TYPES + settings.publisher_type, SKOS.Concept)))
    contact = _typed(graph, f"{base}/catalog#contact", VCARD.Organization)
    add((contact, RDF.type, VCARD.Kind))
    add((contact, VCARD.fn, rdflib.Literal(settings.contact_name)))
    add((contact, VCARD.hasURL, rdflib.URIRef(f"{base}/dataset")))
    if settings.contact_email:
        add((contact, VCARD.hasEmail, rdflib.URIRef(f"mailto:{settings.contact_email}")))
    language = _typed(graph, f"{EU}language/ENG", DCTERMS.LinguisticSystem)
    theme = _typed(graph, f"{EU}data-theme/ECON", SKOS.Concept)
    for subject in (catalog, dataset):
        add((subject, DCTERMS.publisher, publisher))
        add((subject, DCTERMS.language, language))
    for subject in (dataset, rdflib.URIRef(f"{base}/sparql")):
        add((subject, DCAT.contactPoint, contact))
        add((subject, DCAT.theme, theme))
        add((subject, DCTERMS.publisher, publisher))
        for keyword in KEYWORDS:
            add((subject, DCAT.keyword, rdflib.Literal(keyword, lang="en")))
    if issued:
        add((dataset, DCTERMS.issued, rdflib.Literal(issued, datatype=XSD.date)))
        add((catalog, DCTERMS.issued, rdflib.Literal(issued, datatype=XSD.date)))
    add((dataset, DCTERMS.identifier, rdflib.Literal(str(dataset))))
    add((dataset, DCTERMS.accrualPeriodicity, _typed(graph, f"{EU}frequency/IRREG", DCTERMS.Frequency)))
    if modified:
        add((catalog, DCTERMS.modified, rdflib.Literal(modified, datatype=XSD.dateTime)))
    _coverage(graph, store, (dataset, catalog))


def _coverage(graph: rdflib.Graph, store, subjects: tuple[rdflib.URIRef, rdflib.URIRef]) -> None:
    """Space and time as the data states them: the countries that lists, agreements and
    supply relations name, with the bounding box and centroid the data gives each
    (data/natural-earth-110m.ttl, data/world-countries-centroids.ttl: a country with
    none gets none); the span of their dates."""
    dataset = subjects[0]
    for row in store.query(PLACES_QUERY):
        place = _typed(graph, row["place"].value, DCTERMS.Location)
        for subject in subjects:
            graph.add((subject, DCTERMS.spatial, place))
        graph.add((place, SKOS.prefLabel, rdflib.Literal(row["label"].value, lang="en")))
        for key, predicate in (("bbox", DCAT.bbox), ("centroid", DCAT.centroid)):
            if row[key] is not None:
                graph.add((place, predicate, to_rdflib_term(row[key])))
    span = next(iter(store.query(COVERAGE_QUERY)), None)
    if span is not None and span["start"] is not None:
        period = rdflib.URIRef(f"{dataset}#temporal")
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((dataset, DCTERMS.temporal, period))
        graph.add((period, DCAT.startDate, rdflib.Literal(span["start"].value, datatype=XSD.date)))
        graph.add((period, DCAT.endDate, rdflib.Literal(span["end"].value, datatype=XSD.date)))


def describe_distribution(graph: rdflib.Graph, distribution: rdflib.URIRef, dump, base: str) -> None:
    """A dump as DCAT-AP wants it: format, media types, licence, checksum algorithm,
    availability and the service it can also be queried through, all typed."""
    add = graph.add
    media = f"https://www.iana.org/assignments/media-types/{dump.media_type}"
    add((distribution, DCAT.mediaType, _typed(graph, media, DCTERMS.MediaType)))
    if dump.compression:
        compressed = f"https://www.iana.org/assignments/media-types/{dump.compression}"
        add((distribution, DCAT.compressFormat, _typed(graph, compressed, DCTERMS.MediaType)))
    file_type = FILE_TYPES.get(dump.media_type)
    if file_type:
        add((distribution, DCTERMS["format"], _typed(graph, f"{EU}file-type/{file_type}", DCTERMS.MediaTypeOrExtent)))
    add((distribution, DCTERMS.license, licence(graph)))
    add((distribution, DCTERMS.description, rdflib.Literal(
        f"{dump.description}: every public triple of this dataset version ({dump.triples:,} "
        f"{'quads' if dump.kind == 'nquads' else 'triples'}), with a SHA-256 checksum.", lang="en")))  # fmt: skip
    add((distribution, DCATAP.availability, _typed(graph, f"{EU}planned-availability/STABLE", SKOS.Concept)))
    add((distribution, DCAT.accessService, rdflib.URIRef(f"{base}/sparql")))
    _typed(graph, SPDX.checksumAlgorithm_sha256, SPDX.ChecksumAlgorithm)
