"""The dataset description against the official DCAT-AP 3.0.1 shapes (../shared/dcat-ap):
no violation on any file; on the recommended file, no warning except the geometry of
the countries (bbox, centroid), which no source of ours gives and we do not make up."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

SHAPES = Path(__file__).resolve().parents[2] / "shared" / "dcat-ap"
GEOMETRY = {str(DCAT.bbox), str(DCAT.centroid)}


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


def test_the_only_recommendation_left_is_a_geometry_we_do_not_have(description):
    found = results(description, "dcat-ap-3.0.1-shapes-recommended.ttl")
    assert {(severity, path) for severity, _focus, path, _message in found} <= {("Warning", p) for p in GEOMETRY}
    assert {focus for _s, focus, _p, _m in found} <= {"https://w3id.org/critmin/id/country/CA",
                                                      "https://w3id.org/critmin/id/country/US"}  # fmt: skip


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
