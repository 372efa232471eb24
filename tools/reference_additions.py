"""What the generator adds beyond the reference tables, each from a named work that the
source register lists: the reference works the tables use without listing them, the
countries (ISO 3166-1) with the European Union's reserved code, element symbols (IUPAC
2005) and the countries' geometry.

The geometry is what DCAT-AP recommends for each place a dataset covers (dcat:bbox,
dcat:centroid). The tables beside this script were copied from the works, values
unchanged: the bounding boxes from Natural Earth's 1:110m countries (which include
Alaska, Hawaii and the islands: the box of everything the country's polygons cover),
and the centroids of each country's largest land mass from World Countries - Centroids
(for the United States, the contiguous states). Both are WKT in WGS 84 longitude,
latitude order, as GeoSPARQL's default reference system reads them.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).parent
SYMBOLS = HERE / "iupac-2005-element-symbols.csv"
BOXES = HERE / "natural-earth-110m-bbox.csv"
CENTROIDS = HERE / "world-countries-centroids.csv"
WKT = "geo:wktLiteral"


def lit(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# Sources that the tables use without listing them in sources.csv: the reference
# works behind the identifier table and the countries' codes. Each is a real,
# citable work; dates are given only where the work has an edition date.
REFERENCE_WORKS = [
    {
        "key": "ISO-3166-1",
        "title": "ISO 3166-1:2020 Codes for the representation of names of countries and their "
        "subdivisions, Part 1: Country code",
        "issuer": "International Organization for Standardization",
        "date": "2020",
        "citation": "international standard; alpha-2 country codes",
        "url": "https://www.iso.org/iso-3166-country-codes.html",
        "kind": "dct:Standard",
    },
    {
        "key": "WIKIDATA",
        "title": "Wikidata",
        "issuer": "Wikimedia Foundation",
        "date": "",
        "citation": "items of chemical elements, as checked in the critmin reference table "
        "(each link's check status is recorded with it)",
        "url": "https://www.wikidata.org/",
        "kind": "cm:ReferenceWork",
    },
    {
        "key": "CGI-COMMODITY-CODE",
        "title": "CGI commodity code vocabulary",
        "issuer": "IUGS Commission for the Management and Application of Geoscience Information",
        "date": "",
        "citation": "controlled vocabulary of mineral commodities (GeoSciML)",
        "url": "http://resource.geosciml.org/classifier/cgi/commodity-code",
        "kind": "cm:ReferenceWork",
    },
    {
        "key": "NATURAL-EARTH-110M",
        "title": "Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries",
        "issuer": "Natural Earth",
        "date": "",
        "citation": "public domain; the countries' bounding boxes as the GeoJSON release gives them "
        "(nvkelso/natural-earth-vector, geojson/ne_110m_admin_0_countries.geojson, commit "
        "0a11ac3093f1084f0119e436583f5f271a24ed42)",
        "url": "https://www.naturalearthdata.com/downloads/110m-cultural-vectors/",
        "kind": "cm:ReferenceWork",
    },
    {
        "key": "WORLD-COUNTRIES-CENTROIDS",
        "title": "World Countries - Centroids, version 1",
        "issuer": "Gavin Rehkemper",
        "issuer_kind": "foaf:Person",
        "date": "",
        "citation": "MIT licence; the centroid of each country's largest land mass "
        "(dist/countries.csv, commit 0c6e44d4c73f198c7f485f5daf0b8d13616d3e39)",
        "url": "https://github.com/gavinr/world-countries-centroids",
        "kind": "cm:ReferenceWork",
    },
]


def add_countries(files) -> None:
    for code in ("CA", "US"):
        files.say("ISO-3166-1", f"country:{code}", "a cm:Country", f"cm:iso3166Alpha2 {lit(code)}",
                  "dct:source source:iso-3166-1")  # fmt: skip
    # Not a country: the code ISO 3166-1 exceptionally reserves for the European Union,
    # so that a list an EU body issues has a jurisdiction (issue 12's union jurisdiction).
    files.say("ISO-3166-1", "union:EU", "a cm:CountryUnion", 'rdfs:label "European Union"@en',
              f"cm:iso3166Alpha2 {lit('EU')}", "dct:source source:iso-3166-1")  # fmt: skip
    files.comments["ISO-3166-1"] = (
        "The countries' ISO 3166-1 alpha-2 codes, and the code the standard exceptionally\n"
        "reserves for the European Union (a union of countries, not a country)."
    )


def add_symbols(files) -> None:
    """Element symbols as IUPAC 2005 (Red Book, Table I) gives them, for the elements
    the data already names. The reference tables have no symbols; the table beside this
    script was copied from the Red Book's Table I, one row per element we hold."""
    held = {s.removeprefix("element:") for nodes in files.nodes.values() for s in nodes if s.startswith("element:")}
    for row in read(SYMBOLS):
        if row["element"] in held:
            files.say("IUPAC-2005", f"element:{row['element']}", f"cm:elementSymbol {lit(row['symbol'])}",
                      "dct:source source:iupac-2005")  # fmt: skip
    files.comments["IUPAC-2005"] = (
        "The members of a commodity group as IUPAC-2005 defines them, and the symbols of the\n"
        "elements (Red Book, Table I)."
    )


def add_geometry(files) -> None:
    """Each country's bounding box (a WKT polygon, corners west-south, east-south,
    east-north, west-north) and centroid (a WKT point), each in its source's file."""
    for row in read(BOXES):
        west, south, east, north = (row[k] for k in ("west", "south", "east", "north"))
        ring = f"{west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}"
        files.say("NATURAL-EARTH-110M", f"country:{row['country']}", f"dcat:bbox {lit(f'POLYGON(({ring}))')}^^{WKT}",
                  "dct:source source:natural-earth-110m")  # fmt: skip
    for row in read(CENTROIDS):
        point = f"POINT({row['longitude']} {row['latitude']})"
        files.say("WORLD-COUNTRIES-CENTROIDS", f"country:{row['country']}", f"dcat:centroid {lit(point)}^^{WKT}",
                  "dct:source source:world-countries-centroids")  # fmt: skip
    files.comments["NATURAL-EARTH-110M"] = "The countries' bounding boxes (Natural Earth 1:110m Admin 0 - Countries)."
    files.comments["WORLD-COUNTRIES-CENTROIDS"] = "The centroids of the countries' largest land masses."
