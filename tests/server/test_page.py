"""The query page: YASGUI from /static/vendor/, the example library grouped by tag, parameters bound as the API does.

The browser tests use Debian's ``chromium`` and ``chromedriver`` (``.ci/run`` installs them) and are
skipped where they are absent; the rest talk HTTP to a real server.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serverkit import Server

from kg.library.storedqueries import BoundTerm
from server.web.page import bind_values

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
MKG = "https://w3id.org/metastasis-kg/"


def test_page_is_yasgui_with_the_examples_grouped_by_tag_and_no_external_assets(server: Server) -> None:
    """/ loads YASGUI and its own script from this server only, and lists each example under its first tag."""
    reply = server.request("GET", "/")
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    html = reply.text
    page = html.split('<script id="mkg-settings"')[0]
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert "default-src 'self'" in (reply.header("Content-Security-Policy") or "")
    for asset in ("/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css", "/static/query.js"):
        assert asset in html
        assert server.request("GET", asset).status == 200
    assert "<summary>spread" in html and "<summary>sites" in html
    spread = html.split("<summary>spread")[1].split("</details>")[0]
    assert "Where does each cancer spread to?" in spread
    assert "<textarea" not in html and "Download:" not in html


def test_page_works_without_example_queries(start_server, release_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An empty query library still gives a working page that says there are no examples yet."""
    srv = start_server("--release", release_dir, "--queries", tmp_path, "--workers", "1")
    try:
        reply = srv.request("GET", "/")
        assert reply.status == 200
        assert "No example queries are installed yet." in reply.text
    finally:
        srv.stop()


def _bind(server: Server, path: str) -> tuple[int, dict[str, Any]]:
    reply = server.request("GET", path, headers={"Accept": "application/json"})
    return reply.status, json.loads(reply.text)


def test_a_stored_querys_defaults_and_form_values_are_bound_as_values(server: Server) -> None:
    """The page runs a parameterised example with its ``#+ defaults:`` bound, or with the form's value."""
    status, body = _bind(server, "/query-page/bind/sites-of-cancer")
    assert status == 200
    assert f"VALUES (?_cancer_iri) {{ (<{MKG}Cancer>) }}" in body["query"]
    assert not body["query"].startswith("#+")  # the form above the editor shows the documentation
    status, body = _bind(server, "/query-page/bind/sites-of-cancer?cancer=mkg:BreastCancer")
    assert status == 200 and f"(<{MKG}BreastCancer>)" in body["query"]


def test_a_bad_form_value_is_a_400_naming_the_parameter(server: Server) -> None:
    """The same checks as the REST API: a value that is no IRI, or an unknown parameter, is named."""
    status, body = _bind(server, "/query-page/bind/sites-of-cancer?cancer=not%20an%20iri")
    assert status == 400 and "not an iri" in body["detail"]
    status, body = _bind(server, "/query-page/bind/sites-of-cancer?colour=red")
    assert status == 400 and body["parameter"] == "colour"
    status, _ = _bind(server, "/query-page/bind/no-such-query")
    assert status == 404


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?_x }", "SELECT * WHERE {\n  VALUES (?_x) { (<https://e.org/a>) }"),
        ("SELECT * { ?s ?p ?_x }", "SELECT * {\n  VALUES (?_x) { (<https://e.org/a>) }"),
        ("CONSTRUCT { ?s ?p ?_x } WHERE { ?s ?p ?_x }", "CONSTRUCT { ?s ?p ?_x } WHERE {\n  VALUES (?_x)"),
        ("# a { in a comment\nSELECT * WHERE { ?s ?p ?_x }", "# a { in a comment\nSELECT * WHERE {\n  VALUES"),
    ],
)
def test_values_open_the_where_group(text: str, expected: str) -> None:
    """The VALUES row goes into the WHERE group (never a CONSTRUCT template, a comment or a string)."""
    assert bind_values(text, {"_x": BoundTerm("iri", "https://e.org/a")}).startswith(expected)


def test_bound_literals_are_escaped() -> None:
    """A typed or tagged literal from the form is written as a SPARQL literal, quotes escaped."""
    bound = bind_values(
        "SELECT * WHERE { ?s ?p ?_t }",
        {
            "_t": BoundTerm("literal", 'say "hi"', language="en"),
            "_n": BoundTerm("literal", "3", datatype="http://www.w3.org/2001/XMLSchema#integer"),
        },
    )
    assert '("say \\"hi\\""@en "3"^^<http://www.w3.org/2001/XMLSchema#integer>)' in bound


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """A headless Chromium driven through chromedriver, downloading into a temporary folder."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Debian's chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument("--window-size=1400,1000")
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver, downloads
    finally:
        driver.quit()


def _wait(driver: Any, script: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 60, poll_frequency=0.1).until(lambda d: d.execute_script(f"return {script}"))


_READY = "!!(window.mkgQueryPage && mkgQueryPage.yasgui.getTab() && mkgQueryPage.yasgui.getTab().getYasqe())"
_ROWS = "(r => r && r.getBindings())(mkgQueryPage.yasgui.getTab().getYasr().results)"


@pytest.mark.browser
def test_browser_runs_an_example_shows_labels_and_downloads_csv(server: Server, browser: Any) -> None:
    """Click an example: YASR's table shows its rows with labels; the CSV button saves the same rows."""
    from selenium.webdriver.common.by import By

    driver, downloads = browser
    driver.get(server.base + "/")
    _wait(driver, _READY)
    starter = driver.execute_script("return mkgQueryPage.yasgui.getTab().getQuery()")
    assert starter.count("PREFIX") == 2 and "SELECT ?class ?label" in starter  # not the whole prefix table
    example = next(b for b in driver.find_elements(By.CSS_SELECTOR, "button.example") if "spread" in b.text)
    example.click()
    rows = _wait(driver, f"{_ROWS} && {_ROWS}.map(b => [b.cancer.value, b.site.value])")
    assert ["breast cancer", "bone"] in rows and len(rows) == 4
    cells = _wait(driver, "[...document.querySelectorAll('.yasr tbody td')].map(td => td.textContent)")
    assert "breast cancer" in cells and not any(cell.endswith("@en") for cell in cells)
    assert driver.find_element(By.ID, "params").get_attribute("hidden") is None  # the example's title and text
    _wait(driver, "document.querySelector('#downloads:not([hidden]) button.download[data-format=csv]')").click()
    saved = _wait_for_file(downloads, "*.csv")
    table = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert table[0] == ["cancer", "site"]
    assert ["breast cancer", "bone"] in table and len(table) == 5


def _wait_for_file(folder: Path, pattern: str) -> Path:
    import time

    for _ in range(600):
        found = [p for p in folder.glob(pattern) if p.stat().st_size > 0]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {pattern} was downloaded into {folder}")


@pytest.mark.browser
def test_a_shared_link_reopens_the_query_and_a_construct_offers_graph_formats(server: Server, browser: Any) -> None:
    """YASGUI's share link carries the query; run, a CONSTRUCT offers every graph format for download."""
    driver, _ = browser
    query = "CONSTRUCT WHERE { ?c <https://w3id.org/metastasis-kg/spreadsFirstTo> ?s }"
    driver.get(server.base + "/")
    _wait(driver, _READY)
    driver.execute_script("mkgQueryPage.yasgui.getTab().setQuery(arguments[0])", query)
    link = driver.execute_script("return mkgQueryPage.yasgui.getTab().getShareableLink()")
    assert link.startswith(server.base + "/")
    driver.get(link)
    _wait(driver, _READY)
    assert driver.execute_script("return mkgQueryPage.yasgui.getTab().getQuery()") == query
    driver.execute_script("mkgQueryPage.yasgui.getTab().query()")
    labels = _wait(
        driver, "(l => l.length && l)([...document.querySelectorAll('#downloads:not([hidden]) button.download')])"
    )
    assert [b.text for b in labels] == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML", "N-Quads", "TriG"]
