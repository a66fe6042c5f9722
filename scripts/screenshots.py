"""Take the README's screenshots (``make screenshots``): home page, a result, a term page, ``/api/``.

The same tooling as the browser tests (``tests/linked/test_browser.py``): Debian's ``chromium`` and
``chromedriver`` driven by Selenium, headless, against a real ``mkg serve`` of the release on a free
loopback port. Writes ``docs/img/{home,result,term,api}.png`` at a fixed window size, so a change of the
pages shows as a change of the pictures. Exit 2 with one line when the release, Chromium or Selenium
is missing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)/")
_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
_SIZE = (1280, 900)
_WAIT = 60.0


class ScreenshotError(Exception):
    """A one-line reason the screenshots cannot be taken."""


def _serve(release: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    handle = log.open("wb")
    command = [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", "0", "--workers", "1"]
    process = subprocess.Popen(
        [*command, "--release", str(release)], stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    deadline = time.monotonic() + _WAIT
    while time.monotonic() < deadline:
        found = _LISTENING.search(log.read_text(errors="replace"))
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.terminate()
    raise ScreenshotError(f"mkg serve did not start: {log.read_text(errors='replace').strip()[-300:]}")


def _driver(profile: Path) -> Any:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not (chromium and chromedriver):
        raise ScreenshotError(
            "Debian's chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        raise ScreenshotError("selenium is not installed (pip install -e '.[dev]')") from err
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*_FLAGS, f"--window-size={_SIZE[0]},{_SIZE[1]}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)


def _until(browser: Any, script: str) -> Any:
    deadline = time.monotonic() + _WAIT
    while time.monotonic() < deadline:
        value = browser.execute_script(f"return {script}")
        if value:
            return value
        time.sleep(0.1)
    raise ScreenshotError(f"the page never got to: {script}")


def _home(browser: Any, base: str) -> None:
    browser.get(base + "/")
    _until(browser, "!!(window.mkgQueryPage && mkgQueryPage.yasgui.getTab().getYasqe())")


def _result(browser: Any, base: str) -> None:
    _home(browser, base)
    browser.execute_script("document.querySelector(\"button.example[data-name='spread-sites-of-primary']\").click()")
    _until(browser, "document.querySelectorAll('.yasr tbody tr').length > 1")
    browser.execute_script("mkgQueryPage.yasgui.getTab().getYasr().rootEl.scrollIntoView()")


def _term(browser: Any, base: str) -> None:
    browser.get(base + "/BreastCancer")
    _until(browser, "document.readyState === 'complete'")


def _api(browser: Any, base: str) -> None:
    browser.get(base + "/api/")
    block = "document.querySelector('[id$=-spreadSitesOfPrimary]')"
    for part in (".opblock-summary", ".try-out__btn", ".execute"):
        _until(browser, f"{block} && {block}.querySelector('{part}')").click()
    _until(browser, f"!!{block}.querySelector('.live-responses-table tbody .response-col_status')")
    browser.execute_script(f"{block}.querySelector('.request-url').scrollIntoView()")


SHOTS: dict[str, Callable[[Any, str], None]] = {"home": _home, "result": _result, "term": _term, "api": _api}


def take(release: Path, out: Path) -> list[Path]:
    """Serve ``release``, take every screenshot into ``out``; the files written."""
    if not (release / "release.json").is_file():
        raise ScreenshotError(f"{release}: no release there (make build, or --release DIR)")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="mkg-screenshots-") as scratch:
        process, base = _serve(release, Path(scratch) / "serve.log")
        try:
            browser = _driver(Path(scratch) / "profile")
            try:
                for name, show in SHOTS.items():
                    show(browser, base)
                    time.sleep(0.5)  # let scrolling and fonts settle; the picture, not a test, depends on it
                    path = out / f"{name}.png"
                    browser.save_screenshot(str(path))
                    written.append(path)
            finally:
                browser.quit()
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return written


def main(argv: list[str] | None = None) -> int:
    """``screenshots.py [--release build/release] [--out docs/img]``; exit 2 with one line on failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=ROOT / "build" / "release")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        written = take(args.release, args.out)
    except ScreenshotError as err:
        print(f"screenshots: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
