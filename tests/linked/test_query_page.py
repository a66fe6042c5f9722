"""The query page (YASGUI) and /api/ (Swagger UI) clicked through in headless Chromium.

Same Chromium + chromedriver setup as ``test_browser.py`` (skipped, with the reason, where missing).
Waits poll for what the page shows, with generous limits; nothing depends on the machine's speed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import test_browser
from ldserver import Server

pytestmark = pytest.mark.browser

driver = test_browser.driver
_WAIT = 60
QUERY_FILES = Path(__file__).parents[2] / "queries"  # the stored query library, one .rq per question


def _wait(browser: Any, script: str) -> Any:
    """Poll ``script`` (a JS expression) until it is truthy; its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, _WAIT, poll_frequency=0.1).until(lambda b: b.execute_script(f"return {script}"))


def _api_rows(server: Server, path: str) -> list[dict[str, Any]]:
    reply = server.get(path, accept="application/sparql-results+json")
    assert reply.status == 200, reply.body[:300]
    rows: list[dict[str, Any]] = json.loads(reply.body)["results"]["bindings"]
    return rows


def _open_page(browser: Any, server: Server) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(server.base + "/")
    _wait(browser, "!!(window.mkgQueryPage && mkgQueryPage.yasgui.getTab() && mkgQueryPage.yasgui.getTab().getYasqe())")


_ROWS = "mkgQueryPage.yasgui.getTab().getYasr().results && mkgQueryPage.yasgui.getTab().getYasr().results.getBindings()"


def test_an_example_run_with_a_parameter_gives_the_rest_apis_rows(ld_server: Server, driver: Any) -> None:
    """The library's example, run with its default and then with a value typed in its form, gives the REST API's rows.

    The regression: the page ignored ``#+ defaults:`` and listed 122 rows over every primary.
    """
    from selenium.webdriver.common.by import By

    _open_page(driver, ld_server)
    driver.find_element(By.CSS_SELECTOR, "button.example[data-name='spread-sites-of-primary']").click()
    field = _wait(driver, "document.querySelector('#params input[name=primary]')")
    assert field.get_attribute("value") == "mkg:BreastCancer"
    facts = _wait(driver, f"({_ROWS}) && ({_ROWS}).map(b => b.fact.value)")
    expected = _api_rows(ld_server, "/api/queries/spread-sites-of-primary")
    assert sorted(facts) == sorted(row["fact"]["value"] for row in expected)
    assert facts  # the primary and the cancers under it only (not every primary)

    driver.execute_script("mkgQueryPage.yasgui.getTab().getYasr().results = undefined")
    field.clear()
    field.send_keys("mkg:LungCancer")
    driver.find_element(By.CSS_SELECTOR, "#params button[type=submit]").click()
    facts = _wait(driver, f"({_ROWS}) && ({_ROWS}).map(b => b.fact.value)")
    expected = _api_rows(ld_server, "/api/queries/spread-sites-of-primary?primary=mkg:LungCancer")
    assert expected and sorted(facts) == sorted(row["fact"]["value"] for row in expected)
    # Every format the endpoint offers for a SELECT is offered as a download once the rows are shown.
    offered = _wait(
        driver, "[...document.querySelectorAll('#downloads:not([hidden]) button.download')].map(b => b.textContent)"
    )
    assert offered == ["JSON", "XML", "CSV", "TSV"]


def test_the_examples_are_the_stored_query_library_with_the_hpo_questions(ld_server: Server, driver: Any) -> None:
    """Every stored query of ``queries/`` is an example (the HPO ones too, issue 18), none made up; an HPO one runs.

    Run with its default finding, the HPO example gives the REST API's rows (disease, phenotype, evidence).
    """
    from selenium.webdriver.common.by import By

    _open_page(driver, ld_server)
    shown = driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('button.example')].map(b => [b.dataset.name,"
        " b.textContent.trim()]))"
    )
    files = sorted(path.stem for path in QUERY_FILES.glob("*.rq"))
    assert sorted(shown) == files
    library = {entry["name"]: entry for entry in ld_server.get("/api/queries").json()}
    hpo = sorted(name for name, entry in library.items() if "hpo" in entry["tags"])
    assert {"hpo-diseases-with-skin-finding", "hpo-genodermatosis-cancers"} <= set(hpo)
    assert all(shown[name] == library[name]["summary"] for name in hpo)

    driver.find_element(By.CSS_SELECTOR, "button.example[data-name='hpo-diseases-with-skin-finding']").click()
    field = _wait(driver, "document.querySelector('#params input[name=finding]')")
    assert field.get_attribute("value") == "mkg:AcanthosisNigricans"
    key = "b => [b.disease.value, b.phenotype.value, b.evidence ? b.evidence.value : ''].join(' ')"
    rows = _wait(driver, f"({_ROWS}) && ({_ROWS}).map({key})")
    expected = _api_rows(ld_server, "/api/queries/hpo-diseases-with-skin-finding")
    assert len(expected) > 10
    wanted = [" ".join([r["disease"]["value"], r["phenotype"]["value"], r.get("evidence", {}).get("value", "")])
              for r in expected]  # fmt: skip
    assert sorted(rows) == sorted(wanted)


def test_a_syntax_error_is_marked_in_the_editor(ld_server: Server, driver: Any) -> None:
    """A query missing its object gets YASQE's marker while typing; run, the server's sentence and position show."""
    _open_page(driver, ld_server)
    driver.execute_script("mkgQueryPage.yasgui.getTab().getYasqe().setValue('SELECT *\\nWHERE { ?s ?p }\\n')")
    assert _wait(driver, "document.querySelector('.CodeMirror .parseErrorIcon')")
    driver.execute_script("mkgQueryPage.yasgui.getTab().query()")
    marker = _wait(driver, "document.querySelector('.mkg-error-marker')")
    assert "line 2" in marker.get_attribute("title")
    shown = _wait(driver, "(e => e && e.textContent)(document.querySelector('.yasr .mkg-problem'))")
    assert "malformed query at line 2, column" in shown and '"detail"' not in shown  # the sentence, not JSON
    assert driver.execute_script("return document.getElementById('downloads').hidden")


def test_typing_a_prefixed_name_declares_its_prefix_and_completes_kg_classes(ld_server: Server, driver: Any) -> None:
    """YASQE adds the PREFIX line from the project's table and completes classes from this KG, asking no one else."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open_page(driver, ld_server)
    _wait(driver, "!!document.getElementById('kg-terms')")  # the vocabulary has arrived
    driver.execute_script("mkgQueryPage.yasgui.getTab().getYasqe().setValue('')")
    driver.find_element(By.CSS_SELECTOR, ".CodeMirror").click()
    driver.find_element(By.CSS_SELECTOR, ".CodeMirror textarea").send_keys("SELECT * WHERE { ?s a mkg:BreastCa")
    _wait(
        driver,
        "mkgQueryPage.yasgui.getTab().getYasqe().getValue().startsWith('PREFIX mkg: <https://w3id.org/metastasis-kg/>')",
    )
    ActionChains(driver).key_down(Keys.CONTROL).send_keys(" ").key_up(Keys.CONTROL).perform()
    hints = _wait(
        driver, "(l => l.length && l)([...document.querySelectorAll('.CodeMirror-hints li')].map(l => l.textContent))"
    )
    assert "mkg:BreastCancer" in hints
    requested = [u for u in test_browser._requested(driver) if not u.startswith(("chrome:", "about:", "data:"))]
    assert requested and all(url.startswith(ld_server.base + "/") for url in requested), requested


def test_the_results_table_sorts_by_a_column(ld_server: Server, driver: Any) -> None:
    """Clicking a column head of YASR's table orders the rows by it."""
    from selenium.webdriver.common.by import By

    _open_page(driver, ld_server)
    driver.execute_script("mkgQueryPage.yasgui.getTab().query()")  # the starter: classes and their labels
    _wait(driver, "document.querySelectorAll('.yasr table.dataTable tbody tr').length > 1")
    column = "[...document.querySelectorAll('.yasr table.dataTable tbody tr')].map(r => r.cells[2].textContent)"
    heads = driver.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable thead th")
    next(h for h in heads if h.text.strip() == "label").click()
    labels = _wait(driver, f"(l => l.join() === [...l].sort((a, b) => a.localeCompare(b)).join() && l)({column})")
    assert len(labels) > 1


def test_swagger_try_it_out_runs_a_stored_query(ld_server: Server, driver: Any) -> None:
    """/api/ is Swagger UI; "Try it out" then "Execute" on a stored query answers 200 from this server."""
    from selenium.webdriver.common.by import By

    driver.set_window_size(1400, 1000)
    driver.get(ld_server.base + "/api/")
    block = _wait(driver, "document.querySelector('[id$=-spreadSitesOfPrimary]')")
    block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    _wait(driver, "document.querySelector('[id$=-spreadSitesOfPrimary] .try-out__btn')").click()
    _wait(driver, "document.querySelector('[id$=-spreadSitesOfPrimary] .execute')").click()
    status = _wait(
        driver, "document.querySelector('[id$=-spreadSitesOfPrimary] .live-responses-table tbody .response-col_status')"
    )
    assert status.text.strip().startswith("200")
    url = driver.execute_script(
        "return document.querySelector('[id$=-spreadSitesOfPrimary] .request-url pre').textContent"
    )
    assert url.startswith(ld_server.base + "/api/queries/spread-sites-of-primary")


def test_the_service_description_link_opens_readable_turtle(ld_server: Server) -> None:
    """A browser following the home page's "service description" link reads Turtle, not a sparql.rdf download."""
    from ldserver import CHROME_ACCEPT

    reply = ld_server.get("/sparql", accept=CHROME_ACCEPT)
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/plain")
    assert b"sd:endpoint" in reply.body
    assert (
        ld_server.get("/sparql", accept="application/rdf+xml").headers["Content-Type"].startswith("application/rdf+xml")
    )
