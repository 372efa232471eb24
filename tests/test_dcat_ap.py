"""The dataset description against the official DCAT-AP 3.0.1 shapes (../shared/dcat-ap):
no violation and no warning on any of the three files; the countries' geometry (bbox,
centroid, which the recommended shapes ask for) is the data's, each from its source."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

SHAPES = Path(__file__).resolve().parents[2] / "shared" / "dcat-ap"


@pytest.fixture(scope="module")
def description(app_client) -> rdflib.Graph:
    response = app_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.text, format="turtle")


def results(data: rdflib.Graph, shapes_file: str) -> list[tuple[str, str, str, str]]:
    shapes = rdflib.Graph().parse(SHAPES / shapes_file, format="turtle")
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return sorted(
        (str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1], str(report.value(r, SH.focusNode)),
         str(report.value(r, SH.resultPath)), str(report.value(r, SH.resultMessage)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )  # fmt: skip


@pytest.mark.parametrize("shapes_file", ["dcat-ap-3.0.1-shapes.ttl", "dcat-ap-3.0.1-range.ttl"])
def test_no_violation_of_the_mandatory_and_range_shapes(description, shapes_file):
    assert results(description, shapes_file) == []


def test_no_warning_of_the_recommended_shapes(description):
    assert results(description, "dcat-ap-3.0.1-shapes-recommended.ttl") == []


def test_the_places_geometry_is_the_datas_with_its_source(description, store):
    """dcat:bbox and dcat:centroid are copied from the data, where each is stated in
    the graph of the work it comes from (never computed or typed in by us)."""
    sources = {"bbox": "natural-earth-110m", "centroid": "world-countries-centroids"}
    for code in ("CA", "US"):
        place = rdflib.URIRef(f"https://w3id.org/critmin/id/country/{code}")
        for name, source in sources.items():
            served = description.value(place, DCAT[name])
            rows = list(store.query(f"SELECT ?g ?v WHERE {{ GRAPH ?g {{ <{place}> <{DCAT[name]}> ?v }} }}"))
            assert [(r["g"].value.rsplit("/", 1)[1], r["v"].value) for r in rows] == [(source, str(served))]
            assert served.datatype == rdflib.URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")


def test_the_catalog_lists_the_dataset_and_the_service(description):
    catalog = next(description.subjects(RDF.type, DCAT.Catalog))
    dataset = rdflib.URIRef("https://w3id.org/critmin/id/dataset")
    assert (catalog, DCAT.dataset, dataset) in description
    service = description.value(catalog, DCAT.service)
    assert (service, RDF.type, DCAT.DataService) in description
    for distribution in description.objects(dataset, DCAT.distribution):
        assert description.value(distribution, DCAT.accessService) == service
        assert description.value(distribution, DCTERMS["format"]) is not None


def test_publisher_and_contact_come_from_settings_with_honest_defaults(description, store_path, tmp_path):
    publisher = description.value(rdflib.URIRef("https://w3id.org/critmin/id/dataset"), DCTERMS.publisher)
    name = str(description.value(publisher, rdflib.FOAF.name))
    assert "default" in name and "CRITMIN_PUBLISHER_NAME" in name
    assert description.value(publisher, DCTERMS.type) is not None

    from critmin.linked_data.dcat_ap import CatalogSettings
    from critmin.linked_data.derived import Recipe, make_documents

    settings = CatalogSettings("Natural Resources Canada", "NationalAuthority", "Critical minerals desk",
                               "minerals@example.org")  # fmt: skip
    made = make_documents(Recipe(str(store_path), str(tmp_path), "https://data.example.org", None, False, settings))
    ours = rdflib.Graph().parse(made.void_file("ttl"), format="turtle")
    assert ("Natural Resources Canada",) in {(str(o),) for o in ours.objects(None, rdflib.FOAF.name)}
    assert rdflib.URIRef("mailto:minerals@example.org") in set(ours.objects(None, rdflib.URIRef(
        "http://www.w3.org/2006/vcard/ns#hasEmail")))  # fmt: skip
    assert results(ours, "dcat-ap-3.0.1-range.ttl") == []
