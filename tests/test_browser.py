"""The query editor in a real headless browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import re

import httpx
import pytest
from browsing import shoot, watched_page
from servers import curated_server

from critmin.sparql import queries


@pytest.fixture(scope="module")
def page(server, browser):
    context = browser.new_context()
    opened = watched_page(context)
    opened.goto(server.url + "/")
    yield opened
    context.close()


def test_gallery_lists_every_question(page):
    buttons = page.locator("#questions button")
    buttons.first.wait_for(timeout=15_000)
    assert buttons.count() == len(queries.all_queries()) == 17
    assert "Canada as the largest supplier" in buttons.first.inner_text()


def test_clicking_a_question_runs_it_and_shows_its_rows(page):
    page.locator("#questions button[data-query='cq02-canada-second-largest-supplier']").click()
    results = page.locator(".yasr")
    # the default query ran on load: wait for this question's own column before reading rows
    results.locator("th", has_text=re.compile(r"^\?asOf$")).wait_for(timeout=15_000)
    for label in ("Magnesium", "Niobium", "Tungsten"):
        results.get_by_text(label).first.wait_for(timeout=15_000)
    assert "Tellurium" not in results.inner_text()
    assert "cm:supplierRank 2" in page.locator(".CodeMirror").inner_text()
    for fmt in ("csv", "tsv", "json"):
        assert "format=" + fmt in page.locator(f"#download-{fmt}").get_attribute("href")


def test_nothing_is_loaded_from_other_hosts(page):
    assert page.requested_hosts == {"127.0.0.1"}
    assert page.console_errors == []


@pytest.fixture(scope="module")
def writable_server(store_path, tmp_path_factory):
    with curated_server(store_path, tmp_path_factory, "browser") as running:
        yield running


def test_published_script_never_runs(writable_server, fresh_page):
    body = """<https://w3id.org/critmin/id/test/xss> <http://www.w3.org/2000/01/rdf-schema#seeAlso>
                  <javascript:alert(document.domain)> ;
              <http://www.w3.org/2000/01/rdf-schema#label>
                  "<script>alert('label')</script><img src=x onerror=alert(1)>" ."""
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {writable_server.token}"}
    put = httpx.put(f"{writable_server.url}/store?graph=http://example.org/xss", content=body, headers=headers)
    assert put.status_code in (201, 204), put.text
    response = fresh_page.goto(f"{writable_server.url}/id/test/xss")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff" and response.headers["referrer-policy"]
    assert "<script>alert('label')</script>" in fresh_page.inner_text("body")  # shown as text
    javascript = fresh_page.get_by_text("javascript:alert(document.domain)").first
    assert javascript.evaluate("node => node.closest('a')") is None  # not a link
    javascript.click()
    fresh_page.wait_for_timeout(300)
    shoot(fresh_page, "xss-page")
    assert fresh_page.dialogs == []
    assert fresh_page.locator("a[href^='javascript:']").count() == 0


def test_a_link_cannot_choose_the_endpoint(writable_server, fresh_page):
    fresh_page.goto(f"{writable_server.url}/?endpoint=http://elsewhere.invalid/sparql")
    fresh_page.locator("#questions button[data-query='cq02-canada-second-largest-supplier']").click()
    fresh_page.locator(".yasr").get_by_text("Niobium").first.wait_for(timeout=15_000)
    assert "elsewhere.invalid" not in fresh_page.requested_hosts


def test_api_docs_render_offline(writable_server, fresh_page):
    fresh_page.goto(f"{writable_server.url}/api/docs")
    fresh_page.locator(".swagger-ui .info .title").first.wait_for(timeout=15_000)
    assert "critmin" in fresh_page.locator(".swagger-ui .info .title").first.inner_text()
    fresh_page.locator(".opblock").first.wait_for(timeout=5_000)
    shoot(fresh_page, "api-docs")
    assert fresh_page.requested_hosts == {"127.0.0.1"}
