"""The query page in a real headless Chromium: load it, run an example, see the rows, download CSV.

Uses Debian's ``chromium`` and ``chromedriver`` (``.ci/run`` installs them); skipped where they are absent.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from serverkit import Server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def test_page_is_served_with_examples_and_no_external_assets(server: Server) -> None:
    """/ is HTML that names the example summaries and loads scripts and styles only from this server."""
    reply = server.request("GET", "/")
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    html = reply.text
    assert "Where does each cancer spread to?" in html
    assert "http://" not in html.split('<script id="mkg-settings"')[0].replace("http://www.w3.org", "")
    assert "https://" not in html.split('<script id="mkg-settings"')[0]
    assert "default-src 'self'" in (reply.header("Content-Security-Policy") or "")
    for asset in ("/static/query.js", "/static/query.css"):
        assert asset in html
        assert server.request("GET", asset).status == 200


def test_page_works_without_example_queries(start_server, release_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An empty query library still gives a working page that says there are no examples yet."""
    srv = start_server("--release", release_dir, "--queries", tmp_path, "--workers", "1")
    try:
        reply = srv.request("GET", "/")
        assert reply.status == 200
        assert "No example queries are installed yet." in reply.text
    finally:
        srv.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[object, Path]]:
    """A headless Chromium driven through chromedriver, downloading into a temporary folder."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Debian's chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
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


def _wait(condition, timeout: float = 20):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the page did not get there in time")


def test_browser_runs_an_example_shows_rows_and_downloads_csv(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    """Click an example: the table fills with its rows; the CSV button saves the same rows as a file."""
    from selenium.webdriver.common.by import By

    driver, downloads = browser
    driver.get(server.base + "/")
    editor = driver.find_element(By.ID, "query")
    assert "PREFIX mkg: <https://w3id.org/metastasis-kg/>" in editor.get_attribute("value")
    example = next(b for b in driver.find_elements(By.CSS_SELECTOR, "button.example") if "spread" in b.text)
    example.click()
    rows = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    cells = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    assert ["breast cancer@en", "bone@en"] in cells
    assert len(cells) == 4
    assert "4 rows" in driver.find_element(By.ID, "status").text
    shared = driver.find_element(By.ID, "share").get_attribute("value")
    assert shared.startswith(server.base + "/?query=")
    driver.find_element(By.CSS_SELECTOR, "button.download[data-format='csv']").click()
    saved = _wait(lambda: [p for p in downloads.glob("*.csv") if p.stat().st_size > 0])
    table = list(csv.reader(io.StringIO(saved[0].read_text(encoding="utf-8"))))
    assert table[0] == ["cancer", "site"]
    assert ["breast cancer", "bone"] in table and len(table) == 5


def test_browser_shared_link_runs_the_query_and_shows_errors(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    """A shared link opens with its query run; a CONSTRUCT shows triples; a syntax error shows the message."""
    from selenium.webdriver.common.by import By

    driver, _ = browser
    query = "CONSTRUCT WHERE { ?c <https://w3id.org/metastasis-kg/spreadsFirstTo> ?s }"
    driver.get(server.base + "/?" + urlencode({"query": query}))
    rows = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    assert len(rows) == 1
    labels = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "button.download")]
    assert labels == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML", "N-Quads", "TriG"]
    driver.get(server.base + "/?" + urlencode({"query": "SELECT * WHERE { ?s ?p }"}))
    status = _wait(lambda: driver.find_element(By.CSS_SELECTOR, "#status.error").text)
    assert "malformed query at line 1, column" in status
