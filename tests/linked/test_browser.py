"""A person's path in a real headless Chromium: index -> a cancer -> one of its associations -> the sentence.

Uses Debian's ``chromium`` and ``chromedriver`` (``.ci/run`` installs them); skipped where they are absent.
Every request the browser makes is recorded through the DevTools performance log and the page's own
resource timing list: none may leave this server.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ldserver import Server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
)


@pytest.fixture
def driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Headless Chromium through chromedriver, with a fresh profile and DevTools network events logged."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Debian's chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in _FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def _requested(browser: Any) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _resources(browser: Any) -> list[str]:
    names: list[str] = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat(performance.getEntriesByType('navigation').map(e => e.name));"
    )
    return names


def test_home_to_cancer_to_association_to_quoted_sentence_loading_nothing_external(
    ld_server: Server, driver: Any
) -> None:
    """Click from the home page to the index, to breast cancer, to 'spreads to bone', to the source's own sentence."""
    from selenium.webdriver.common.by import By

    visited: list[str] = []
    driver.get(ld_server.base + "/")
    visited += _resources(driver)
    driver.find_element(By.ID, "browse-link").click()
    assert driver.current_url == ld_server.base + "/browse"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Metastasis KG"
    visited += _resources(driver)
    driver.find_element(By.CSS_SELECTOR, "#classes a[href='/BreastCancer']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "breast cancer"
    assert driver.current_url == ld_server.base + "/BreastCancer"
    visited += _resources(driver)
    driver.find_element(By.CSS_SELECTOR, "table.associations a[href='/fact/preferred-breast-bone']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("breast cancer spreads to bone")
    visited += _resources(driver)
    sentence = driver.find_element(By.CSS_SELECTOR, "blockquote.source-sentence").text
    assert "breast and prostate cancers tend to spread to bones (including the skull and facial bones)" in sentence
    source = driver.find_element(By.CSS_SELECTOR, "figure.quote figcaption a")
    assert source.get_attribute("href") == ld_server.base + "/source/sebald-2017"
    stylesheet = driver.execute_script("return getComputedStyle(document.querySelector('blockquote')).borderLeftStyle")
    assert stylesheet == "solid"  # ld.css loaded and applied
    requested = _requested(driver)
    assert any(url.endswith("/static/ld.css") for url in requested)
    network = [url for url in requested + visited if not url.startswith(("chrome:", "about:", "data:"))]
    assert network, "no request was recorded"
    for url in network:  # chrome:// and about: pages are the browser's own, never the network
        assert url.startswith(ld_server.base + "/"), f"the page requested {url}"
