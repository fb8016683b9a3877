"""A real headless Chromium for the page tests (Debian's chromium + chromium-driver, driven by Selenium).

Skips with the reason where no Chromium is installed, except where PIPELINE_REQUIRE_BROWSER is set (CI
sets it after installing one), so the browser tests can never quietly stop running there."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = "chromium", "chromedriver"
# Without these, the machine's closed network floods a fresh profile with failed connections.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-sync", "--disable-component-update", "--window-size=1400,1000"]  # fmt: skip


def start_chromium():
    """A Selenium driver with the browser log and DevTools' network log switched on."""
    missing = [name for name in (CHROMIUM, CHROMEDRIVER) if shutil.which(name) is None]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        reason = (
            f"no headless browser: missing {', '.join(missing)}; apt-get install chromium chromium-driver"
        )
        if os.environ.get("PIPELINE_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    for flag in [*FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"]:
        options.add_argument(flag)
    options.binary_location = shutil.which(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(shutil.which(CHROMEDRIVER)))


def open_page(driver, page: Path, timeout: float = 30) -> list[str]:
    """Load `page` from disk, wait until every video has data (or failed) and images are done; return the
    URL of every request the page made (DevTools' Network.requestWillBeSent: the same for file:// as for
    http://, where the Performance API lists no file:// entries)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("performance"), driver.get_log("browser")  # drop what came before this page
    driver.get(page.as_uri())
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "return document.readyState === 'complete'"
        " && [...document.images].every(i => i.complete)"
        " && [...document.querySelectorAll('video')].every(v => v.readyState >= 2 || v.error)"))  # fmt: skip
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if (
            message["method"] == "Network.requestWillBeSent"
            and message["params"].get("documentURL") == page.as_uri()
        ):
            requests.append(message["params"]["request"]["url"])
    return requests


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def videos(driver) -> list[dict]:
    return driver.execute_script(
        "return [...document.querySelectorAll('video')].map(v => ({src: v.getAttribute('src'),"
        " ready: v.readyState, duration: v.duration, width: v.videoWidth, height: v.videoHeight,"
        " error: v.error && v.error.code, job: v.closest('.job') && Number(v.closest('.job').dataset.num)}))"
    )


def outside(urls: list[str], folder: Path) -> list[str]:
    """The URLs that are neither inside `folder` nor inline data."""
    inside = folder.as_uri().rstrip("/") + "/"
    return [url for url in urls if not url.startswith((inside, "data:"))]


def linked_urls(driver) -> list[str]:
    """Every src and href on the page, resolved by the browser (links that were not followed too)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('[src],[href]')].map(e => e.src || e.href)"
    )
