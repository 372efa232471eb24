"""Critical-mineral lists sent as CSV (issue 12): matched with the search engine, per-entry
report, refusals that name the problem and store nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "critical_mineral_lists.csv"
ID = "https://w3id.org/critmin/id/"
PARAMS = {"title": "Examplia Critical Minerals List 2026", "issued": "2026-03", "publisher": "Examplia Survey",
          "jurisdiction": "CA", "source_url": "https://example.org/list"}  # fmt: skip


@pytest.fixture(scope="module")
def site(store_path, tmp_path_factory):
    from inprocess import InProcess
    from servers import copy_store

    from critmin.tokens import TokenRegistry

    store = copy_store(store_path, tmp_path_factory.mktemp("csv") / "store")
    token = TokenRegistry(store).create("carol", "curator")
    running = InProcess(store)
    running.headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    return running


def table(key: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["position", "entry_as_written"])
    for row in csv.DictReader(REFERENCE.open(encoding="utf-8")):
        if row["list"] == key:
            writer.writerow([row["position"], row["entry_as_written"]])
    return out.getvalue().encode()


def send(site, body: bytes, path: str = "/validate", **params):
    return site.post(path, params={**PARAMS, **params}, content=body, headers=site.headers)


def test_a_fifty_entry_list_goes_in_with_one_post_every_entry_matched(site):
    response = send(site, table("US-USGS-2022"), "/contributions", notation="XX-USGS-LIKE")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "staged" and body["report"]["conforms"] is True
    assert len(body["entries"]) == 50 and all(e["commodity"] for e in body["entries"])
    assert {e["method"] for e in body["entries"]} <= {"earlier entry", "label", "alt", "notation", "symbol"}
    assert body["minted"] == []


def test_entries_as_other_lists_wrote_them(site):
    body = b"position,entry_as_written\n1,Graphite (natural)\n2,Aluminum (bauxite)\n3,Rare earth elements\n4,Li\n"
    entries = send(site, body, notation="XX-FORMS").json()["entries"]
    found = {e["entry"]: e["commodity"].removeprefix(ID) for e in entries}
    assert found == {"Graphite (natural)": "mineral/natural-graphite", "Aluminum (bauxite)": "mineral/bauxite",
                     "Rare earth elements": "mineral/rare-earth-elements", "Li": "mineral/lithium"}  # fmt: skip


def test_unmatched_entries_are_named_and_new_commodities_mints_them(site):
    body = b"position,entry_as_written\n1,Lithium\n2,Unobtainium\n3,Adamantium\n"
    refused = send(site, body, notation="XX-NEW")
    assert refused.status_code == 422
    assert "Unobtainium" in refused.json()["error"] and "line 3" in refused.json()["error"]
    assert [e["method"] for e in refused.json()["entries"]][1:] == ["unmatched", "unmatched"]
    minted = send(site, body, notation="XX-NEW", new_commodities="1")
    assert minted.status_code == 200, minted.text
    assert [m["label"] for m in minted.json()["minted"]] == ["Unobtainium", "Adamantium"]


def test_a_given_commodity_column_wins(site):
    body = b"position,entry_as_written,commodity\n1,Battery-grade stuff,lithium\n2,Other,mineral/nothing\n"
    response = send(site, body, notation="XX-GIVEN")
    assert response.status_code == 422 and "'mineral/nothing' is unknown" in response.text


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"position,entry_as_written\n1,Lithium\n3,Cobalt\n", 400, "missing 2"),
        (b"position,entry_as_written\n1,Lithium\n1,Cobalt\n", 400, "position 1 was already given on line 2"),
        (b"position,entry_as_written\n1,\n", 400, "line 2: the entry is empty"),
        (b"position,entry_as_written\n1,=cmd|' /C calc'!A0\n", 400, "looks like a spreadsheet formula"),
        (b"position,entry_as_written\n1,Lithium\n2,Cobalt \xff\n", 400, "not UTF-8"),
        (b"pos,entry\n1,Lithium\n", 400, "position,entry_as_written"),
        (b"position,entry_as_written\n" + b"".join(b"%d,Lithium\n" % i for i in range(1, 10_001)), 413, "5,000"),
    ],
)  # fmt: skip
def test_bad_tables_are_refused_naming_the_problem(site, body, status, says):
    response = send(site, body, notation="XX-BAD")
    assert response.status_code == status and says in response.json()["error"], response.text


@pytest.mark.parametrize("body", [
    "\ufeffposition,entry_as_written\r\n1,Lithium\r\n2,Cobalt\r\n".encode(),
    b"position;entry_as_written\n1;Lithium\n2;Cobalt\n",
])  # fmt: skip
def test_bom_semicolons_and_windows_lines_are_read(site, body):
    response = send(site, body, notation="XX-DIALECT")
    assert response.status_code == 200, response.text
    assert [e["commodity"].removeprefix(ID) for e in response.json()["entries"]] == [
        "mineral/lithium",
        "mineral/cobalt",
    ]


def test_metadata_is_checked_and_an_existing_list_is_409(site):
    missing = site.post("/validate", params={"title": "x"}, content=b"position,entry_as_written\n1,Tin\n",
                        headers=site.headers)  # fmt: skip
    assert missing.status_code == 400 and "notation" in missing.json()["error"]
    assert send(site, b"position,entry_as_written\n1,Tin\n", notation="US-USGS-2022").status_code == 409
    assert send(site, b"position,entry_as_written\n1,Tin\n", notation="x", issued="March").status_code == 400
    stored = site.get("/contributions", headers={"Authorization": site.headers["Authorization"]}).json()
    assert all(record["title"] != "x" for record in stored)


def test_a_misspelt_entry_is_ambiguous_with_its_candidates(site):
    response = send(site, b"position,entry_as_written\n1,Lithum\n", notation="XX-TYPO")
    assert response.status_code == 422
    entry = response.json()["entries"][0]
    assert entry["method"] == "ambiguous" and entry["candidates"][0]["commodity"] == f"{ID}mineral/lithium"


def test_an_entry_as_a_published_list_wrote_it_matches_what_that_entry_denotes(site):
    first = b"position,entry_as_written,commodity\n1,Nickel \xe2\x80\x93 battery grade,nickel\n"
    created = send(site, first, "/contributions", notation="XX-GRADES")
    assert created.status_code == 201, created.text
    identifier = created.json()["id"]
    publisher = {"Authorization": site.headers["Authorization"]}
    published = site.post(f"/contributions/{identifier}/publish", headers=publisher)
    assert published.status_code == 200, published.text
    site.app.state.derived.refresh(wait=True)  # the index of the new version
    later = send(site, "position,entry_as_written\n1,nickel – Battery Grade\n".encode(), notation="XX-LATER")
    assert later.status_code == 200, later.text
    entry = later.json()["entries"][0]
    assert entry["method"] == "earlier entry" and entry["commodity"] == f"{ID}mineral/nickel"


def test_the_contributor_guide_names_the_csv_path_and_its_templates(site):
    guide = site.get("/contribute").text
    for expected in ("text/csv", "new_commodities=1", "/static/templates/list-template.csv", "/context.jsonld",
                     "prov:wasRevisionOf", "data/"):  # fmt: skip
        assert expected in guide, expected
    template = site.get("/static/templates/list-template.csv")
    assert template.status_code == 200 and template.text.startswith("position,entry_as_written")
    turtle = site.get("/static/templates/list-template.ttl").text
    import rdflib

    assert len(rdflib.Graph().parse(data=turtle, format="turtle")) > 15


def test_the_turtle_template_passes_the_gate(site):
    turtle = site.get("/static/templates/list-template.ttl").content
    response = site.post("/validate", content=turtle, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200, response.text


def test_a_list_that_already_exists_is_409_with_a_link(site):
    turtle = site.get("/static/templates/list-template.ttl").text
    writer = {"Authorization": site.headers["Authorization"], "Content-Type": "text/turtle"}
    first = site.post("/contributions", content=turtle.encode(), headers=writer)
    assert first.status_code == 201, first.text
    again = site.post("/contributions", content=(turtle + "\n# again\n").encode(), headers=writer)
    assert again.status_code == 409 and f"/contributions/{first.json()['id']}" in again.json()["error"]
    renamed = turtle.replace('skos:notation "EXAMPLE-2026"', 'skos:notation "us-usgs-2022"').replace(
        "list:example-2026", "list:example-renamed"
    )
    shipped = site.post("/contributions", content=renamed.encode(), headers=writer)
    assert shipped.status_code == 409 and "/id/list/us-usgs-2022" in shipped.json()["error"]


def test_a_union_jurisdiction_is_the_european_union(site):
    """`jurisdiction=EU`: the code ISO 3166-1 exceptionally reserves, a union of countries."""
    response = send(site, b"position,entry_as_written\n1,Lithium\n", notation="XX-EU", jurisdiction="EU")
    assert response.status_code == 200, response.text
    unknown = send(site, b"position,entry_as_written\n1,Lithium\n", notation="XX-ZZ", jurisdiction="ZZ")
    assert unknown.status_code == 422
    assert any((r.get("explanation") or "").startswith("unknown IRI") and r["value"].endswith("country/ZZ")
               for r in unknown.json()["results"])  # fmt: skip
