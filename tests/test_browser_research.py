"""What a researcher does, in a real browser (chromium, headless): search, a 404 that
helps, completion in the editor, labels in results, a chart, comparing lists and a
factsheet. Each test saves a screenshot (tests/screenshots/) and checks that nothing
but the service itself was contacted."""

from __future__ import annotations

import pytest
from browsing import shoot
from servers import wait_for_derived


@pytest.fixture(scope="module")
def site(server):
    wait_for_derived(server.url)  # the search index is a derived document
    return server.url


def only_loopback(page, expected_errors: int = 0) -> None:
    assert page.requested_hosts == {"127.0.0.1"}, page.requested_hosts
    assert len(page.console_errors) == expected_errors, page.console_errors


def test_search_from_the_home_page_to_an_entity_page(site, fresh_page):
    fresh_page.goto(site + "/")
    fresh_page.fill("#search-box", "litium")
    fresh_page.press("#search-box", "Enter")
    first = fresh_page.locator("ol.hits li a").first
    first.wait_for(timeout=10_000)
    assert first.inner_text() == "Lithium"
    shoot(fresh_page, "search-litium")
    first.click()
    fresh_page.locator("#factsheet").wait_for(timeout=10_000)
    assert fresh_page.url.endswith("/id/mineral/lithium") and fresh_page.locator("h1").inner_text() == "Lithium"
    only_loopback(fresh_page)


def test_typing_in_the_search_box_while_the_editor_starts_loses_nothing(site, browser):
    """Yasgui focuses its editor when it shows its first tab; before the fix, keystrokes
    typed into the search box as the page started went into the editor (CI failed the
    test above that way: the search was sent empty). Five fresh pages, each typed into
    from the moment the document arrives."""
    from browsing import watched_page

    for _ in range(5):
        context = browser.new_context()
        page = watched_page(context)
        page.goto(site + "/", wait_until="commit")
        page.locator("#search-box").click()
        page.keyboard.type("lithium carbonate", delay=20)
        typed = page.input_value("#search-box")
        page.locator(".CodeMirror").wait_for(timeout=10_000)
        context.close()
        assert typed == "lithium carbonate"


def test_a_404_suggests_the_nearest_and_leads_there(site, fresh_page):
    response = fresh_page.goto(site + "/id/mineral/lithum")
    assert response.status == 404
    suggestion = fresh_page.locator("ul.hits a").first
    assert suggestion.inner_text() == "Lithium"
    shoot(fresh_page, "not-found-suggestion")
    suggestion.click()
    fresh_page.wait_for_url("**/id/mineral/lithium")
    only_loopback(fresh_page, expected_errors=1)  # the 404 itself, which chromium logs


def editor_text(page) -> str:
    return page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")


def type_at_end(page, text: str) -> None:
    page.evaluate(
        """text => { const cm = document.querySelector('.CodeMirror').CodeMirror;
                              cm.focus(); cm.setValue(text); cm.setCursor(cm.lineCount(), 0); }""",
        text,
    )


def test_completion_of_ontology_terms_and_entities(site, fresh_page):
    fresh_page.goto(site + "/")
    fresh_page.locator(".CodeMirror").wait_for(timeout=15_000)
    type_at_end(fresh_page, "SELECT * WHERE {\n  ?x a cm:Commod")
    fresh_page.keyboard.press("Control+Space")
    hints = fresh_page.locator(".CodeMirror-hints li")
    hints.first.wait_for(timeout=10_000)
    assert "cm:Commodity" in hints.all_inner_texts()[0]
    shoot(fresh_page, "completion-class")
    fresh_page.keyboard.press("Enter")
    assert "?x a cm:Commodity" in editor_text(fresh_page)
    type_at_end(fresh_page, "SELECT * WHERE {\n  ?x cm:listedIn list:us-usgs-2022 .\n  mineral:lith")
    fresh_page.keyboard.press("Control+Space")
    hints.first.wait_for(timeout=10_000)
    assert "mineral:lithium  (Lithium)" in hints.all_inner_texts()
    shoot(fresh_page, "completion-entity")
    fresh_page.keyboard.press("Enter")
    assert editor_text(fresh_page).rstrip().endswith("mineral:lithium")
    only_loopback(fresh_page)


def test_a_gallery_question_shows_labels_and_local_links(site, fresh_page):
    fresh_page.goto(site + "/")
    fresh_page.locator("#questions button[data-query='cq16-list-timeline']").click()
    table = fresh_page.locator(".critmin-table")
    table.get_by_text("Natural Resources Canada").first.wait_for(timeout=15_000)
    headers = table.locator("th").all_inner_texts()
    assert headers[:2] == ["?list", "?listLabel"]  # a label column beside the IRI column (cq16 has no ?listLabel)
    link = table.locator("a", has_text="list:us-usgs-2022").first
    assert link.get_attribute("href") == "/id/list/us-usgs-2022"
    rows = table.locator("tbody tr").all()
    row = next(r for r in rows if r.locator("td").first.inner_text() == "list:us-usgs-2022")
    assert row.locator("td.label").first.inner_text() == "U.S. 2022 Final List of Critical Minerals"
    shoot(fresh_page, "gallery-labels")
    only_loopback(fresh_page)


def test_a_chart_of_the_default_query(site, fresh_page):
    fresh_page.set_viewport_size({"width": 800, "height": 900})
    fresh_page.goto(site + "/")
    fresh_page.locator(".critmin-table tbody tr").first.wait_for(timeout=15_000)
    fresh_page.locator(".yasr .select_critmin-chart").click()
    svg = fresh_page.locator(".chart-canvas svg")
    svg.wait_for(timeout=10_000)
    assert fresh_page.locator(".chart-canvas svg path").count() > 20  # bars, axes
    fresh_page.locator(".critmin-chart button", has_text="pie").click()
    fresh_page.locator(".chart-canvas svg").wait_for(timeout=10_000)
    fresh_page.locator(".chart-canvas svg text", has_text="Lithium").first.wait_for(timeout=10_000)  # labels, not IRIs
    shoot(fresh_page, "chart-pie-800px")
    editor = fresh_page.locator(".CodeMirror").bounding_box()
    assert editor["width"] > 600  # usable at 800 px: the gallery moved above it
    only_loopback(fresh_page)


def test_share_offers_python_and_r(site, fresh_page):
    fresh_page.goto(site + "/")
    fresh_page.locator(".critmin-table tbody tr").first.wait_for(timeout=15_000)
    fresh_page.click("#share-button")
    code = fresh_page.locator("#share-code")
    assert "pd.read_csv" in code.inner_text() and '"format": "csv"' in code.inner_text()
    fresh_page.get_by_role("tab", name="R", exact=True).click()
    assert "read.csv" in code.inner_text()
    fresh_page.get_by_role("tab", name="Python (SPARQLWrapper)").click()
    assert "SPARQLWrapper(" in code.inner_text()
    shoot(fresh_page, "share-snippets")
    only_loopback(fresh_page)


def test_comparing_us_2022_and_2025(site, fresh_page):
    fresh_page.goto(site + "/lists")
    fresh_page.click("#compare-form button[type=submit]")
    fresh_page.locator("table.matrix").wait_for(timeout=10_000)
    assert "lists=us-usgs-2022%2Cus-usgs-2025" in fresh_page.url or "lists=us-usgs-2022,us-usgs-2025" in fresh_page.url
    added = fresh_page.locator("table.matrix mark.added")
    assert added.count() == 10
    assert fresh_page.locator("svg.venn text").all_text_contents() == ["0", "50", "10"]
    shoot(fresh_page, "compare-us-2022-2025")
    fresh_page.click("text=The SPARQL behind this")
    fresh_page.locator(".critmin-table tbody tr").first.wait_for(timeout=15_000)
    assert "cm:inList" in editor_text(fresh_page)
    only_loopback(fresh_page)


def test_the_lithium_factsheet(site, fresh_page):
    fresh_page.goto(site + "/id/mineral/lithium")
    sheet = fresh_page.locator("#factsheet")
    assert "2018-05-18" in sheet.inner_text() and "Wikidata" in sheet.inner_text()
    assert sheet.locator("a", has_text="battery").first.get_attribute("href") == "/id/technology/battery"
    shoot(fresh_page, "factsheet-lithium")
    only_loopback(fresh_page)


def test_the_contributor_guide_renders_offline(site, fresh_page):
    fresh_page.goto(site + "/")
    fresh_page.click("header nav a[href='/contribute']")
    fresh_page.wait_for_url("**/contribute")
    assert "A list as CSV" in fresh_page.locator("main").inner_text()
    shoot(fresh_page, "contribute-guide")
    fresh_page.goto(site + "/api/docs")
    fresh_page.locator(".swagger-ui .opblock").first.wait_for(timeout=15_000)
    assert fresh_page.get_by_text("/contributions").first.is_visible()
    only_loopback(fresh_page)
