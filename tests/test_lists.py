"""/lists, /lists/compare and the factsheets, on the shipped data, through the real app
in process. Expected answers were checked by hand against ../shared/reference."""

from __future__ import annotations

import csv
import io
import re

import pytest


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_timeline_lists_every_list_with_its_facts(app_client):
    lists = app_client.get("/lists", params={"format": "json"}).json()
    assert [i["key"] for i in lists] == ["us-doi-2018", "ca-nrcan-2021", "us-usgs-2022", "us-doe-2023-energy",
                                         "ca-nrcan-2024", "us-usgs-2025"]  # fmt: skip
    by_key = {i["key"]: i for i in lists}
    assert by_key["us-doi-2018"]["entries"] == 35 and by_key["us-usgs-2022"]["entries"] == 50
    assert by_key["us-doe-2023-energy"]["includes"] == "us-usgs-2022"
    page = app_client.get("/lists", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'action="/lists/compare"' in page.text and "2018-05-18" in page.text


def test_comparing_the_us_2022_and_2025_lists(app_client):
    result = app_client.get("/lists/compare", params={"lists": "us-usgs-2022,us-usgs-2025", "format": "json"}).json()
    assert result["compared_with_previous"] == {"us-usgs-2025": "us-usgs-2022"}
    venn = {r["region"]: r for r in result["venn"]}
    assert venn["us-usgs-2022 and us-usgs-2025 (all)"]["count"] == 50
    assert venn["us-usgs-2022 only"]["count"] == 0
    assert sorted(venn["us-usgs-2025 only"]["members"]) == [
        "Boron", "Copper", "Lead", "Metallurgical coal", "Phosphate", "Potash", "Rhenium", "Silicon", "Silver",
        "Uranium"]  # fmt: skip
    rows = {r["label"]: r for r in result["rows"]}
    assert rows["Boron"]["us-usgs-2025"] == "boron [added]" and rows["Boron"]["us-usgs-2022"] == ""
    assert rows["Aluminum"]["us-usgs-2022"] == "Aluminum" and rows["Aluminum"]["us-usgs-2025"] == "aluminum"


def test_canada_2024_adds_the_three_entries_the_reference_names(app_client):
    result = app_client.get("/lists/compare", params={"lists": "ca-nrcan-2021,ca-nrcan-2024", "format": "json"}).json()
    marked = {r["label"]: r["ca-nrcan-2024"] for r in result["rows"] if "[" in r["ca-nrcan-2024"]}
    assert marked == {"High-purity iron ore": "High-purity iron ore [added]", "Phosphorus": "Phosphorus [added]",
                      "Silicon metal": "Silicon metal [added]"}  # fmt: skip


SMALL = """@prefix cm: <https://w3id.org/critmin/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix list: <https://w3id.org/critmin/id/list/> .
@prefix m: <https://w3id.org/critmin/id/mineral/> . @prefix e: <https://w3id.org/critmin/id/list-entry/> .
@prefix c: <https://w3id.org/critmin/id/country/> . @prefix a: <https://w3id.org/critmin/id/agent/> .
c:XX rdfs:label "Examplia" . a:office rdfs:label "Office of Lists" .
m:tin rdfs:label "Tin" . m:gold rdfs:label "Gold" . m:zinc rdfs:label "Zinc" .
list:x-2020 a cm:CriticalMineralList ; rdfs:label "2020" ; cm:jurisdiction c:XX ;
  dct:publisher a:office ; dct:issued "2020-01-01" ; cm:hasEntry e:1 , e:2 .
e:1 cm:inList list:x-2020 ; cm:entryAsWritten "Tin" ; cm:position 1 ; cm:denotes m:tin .
e:2 cm:inList list:x-2020 ; cm:entryAsWritten "Gold" ; cm:position 2 ; cm:denotes m:gold .
list:x-2023 a cm:CriticalMineralList ; rdfs:label "2023" ; cm:jurisdiction c:XX ;
  dct:publisher a:office ; dct:issued "2023-01-01" ; cm:hasEntry e:3 , e:4 .
e:3 cm:inList list:x-2023 ; cm:entryAsWritten "tin" ; cm:position 1 ; cm:denotes m:tin .
e:4 cm:inList list:x-2023 ; cm:entryAsWritten "zinc" ; cm:position 2 ; cm:denotes m:zinc .
"""


def test_an_edition_marks_what_it_added_and_what_it_dropped(tmp_path):
    import pyoxigraph as ox

    from critmin.lists.compare import as_records, compare
    from critmin.store import EmbeddedStore

    database = ox.Store()
    database.load(SMALL.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("https://w3id.org/critmin/graph/t"))
    result = compare(EmbeddedStore(database, tmp_path), "x-2023,x-2020")
    rows = {r["label"]: r for r in as_records(result)}
    assert result.previous == {"x-2023": "x-2020"}
    assert rows["Gold"] == {**rows["Gold"], "x-2020": "Gold", "x-2023": " [removed]"}
    assert rows["Zinc"]["x-2023"] == "zinc [added]" and rows["Tin"]["x-2023"] == "tin"


def test_groups_expand_only_when_asked(app_client):
    plain = app_client.get("/lists/compare", params={"lists": "us-doi-2018,us-usgs-2022", "format": "json"}).json()
    expanded = app_client.get("/lists/compare", params={"lists": "us-doi-2018,us-usgs-2022", "groups": "1",
                                                         "format": "json"}).json()  # fmt: skip
    neodymium = {r["label"]: r for r in plain["rows"]}["Neodymium"]
    assert neodymium["us-doi-2018"] == "" and neodymium["us-usgs-2022"] == "Neodymium"
    grown = {r["label"]: r for r in expanded["rows"]}["Neodymium"]
    assert grown["us-doi-2018"] == "Rare earth elements group [group]"


def test_a_list_that_includes_another_shows_its_members(app_client):
    result = app_client.get("/lists/compare", params={"lists": "us-doe-2023-energy", "format": "json"}).json()
    rows = {r["label"]: r["us-doe-2023-energy"] for r in result["rows"]}
    assert rows["Lithium"] == "lithium" and rows["Arsenic"] == "Arsenic [included]"
    own = app_client.get("/id/list/us-doe-2023-energy", headers={"Accept": "text/html"}).text
    written = re.findall(r'<td><a href="/id/list-entry/us-doe-2023-energy-\d+">([^<]+)</a>', own)
    assert len(written) == 18 and all(w in rows.values() for w in written)  # its own words win over inclusion


def test_csv_download_and_the_sparql_behind_it(app_client):
    response = app_client.get("/lists/compare", params={"lists": "us-usgs-2022,us-usgs-2025", "format": "csv"})
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert response.headers["content-type"].startswith("text/csv") and len(table) == 60
    assert set(table[0]) == {"commodity", "label", "us-usgs-2022", "us-usgs-2025"}
    page = app_client.get("/lists/compare", params={"lists": "us-usgs-2022,us-usgs-2025"})
    link = re.search(r'href="(/\?query=[^"]+)">The SPARQL behind this', page.text)
    assert link and "<svg" in page.text and 'mark class="added"' in page.text


@pytest.mark.parametrize(
    ("lists", "status", "named"),
    [("us-usgs-2022,narnia-2020", 404, "narnia-2020"), ("", 400, "name the lists"),
     (",".join(["us-usgs-2022"] * 13), 400, "at most 12"), ("us-usgs-2022,../../etc", 404, "../../etc"),
     ("us-usgs-2022,x'}", 404, "x'}")],
)  # fmt: skip
def test_bad_comparisons_name_the_problem(app_client, lists, status, named):
    response = app_client.get("/lists/compare", params={"lists": lists})
    assert response.status_code == status and named in response.json()["detail"]


def test_the_lithium_factsheet(app_client):
    page = app_client.get("/id/mineral/lithium", headers={"Accept": "text/html"}).text
    sheet = text_of(re.search(r'<section class="factsheet".*?</section>', page, re.S).group(0))
    assert sheet.index("2018-05-18") < sheet.index("2025-11-07")
    first = "U.S. Final List of Critical Minerals 2018 17 Lithium source: Final List of Critical Minerals 2018"
    for expected in (first, "battery crucial to battery performance", "element symbol Li",
                     "related match http://www.wikidata.org/entity/Q568 source: Wikidata"):  # fmt: skip
        assert expected in sheet, expected
    assert page.index('class="factsheet"') < page.index("<h2>Properties</h2>")


def test_the_uranium_factsheet_shows_supply_with_share_and_date(app_client):
    sheet = text_of(app_client.get("/id/mineral/uranium", headers={"Accept": "text/html"}).text)
    assert "Canada → United States" in sheet and "25.0 %" in sheet and "2020-01-09" in sheet


def test_country_list_and_agreement_factsheets(app_client):
    canada = text_of(app_client.get("/id/country/CA", headers={"Accept": "text/html"}).text)
    assert "Canada's Critical Minerals List 2024" in canada.replace("&#39;", "'") and "supplies" in canada
    plan = "Joint Action Plan on Critical Minerals Collaboration"
    assert canada.count(f"{plan} party") == 1 and f"{plan} participant" not in canada
    doe = text_of(app_client.get("/id/list/us-doe-2023-energy", headers={"Accept": "text/html"}).text)
    assert "18 entries" in doe and "includes the whole U.S. 2022 Final List" in doe
    plan = text_of(app_client.get("/id/agreement/canada-us-joint-action-plan-on-critical-minerals-collaboration",
                                  headers={"Accept": "text/html"}).text)  # fmt: skip
    assert "2020-01-09 Announcement of the Joint Action Plan (per NRCan) (Ottawa)" in plan
