"""Headless Chromium for the console's browser tests: Debian's `chromium` and
`chromium-driver` driven by selenium (nothing is downloaded). Screenshots go to
.nexa/test-artifacts/console/."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.database import ROOT

CHROMIUM = Path(os.environ.get("NEXA_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("NEXA_CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTIFACTS = ROOT / ".nexa" / "test-artifacts" / "console"
WIDTH, HEIGHT = 1400, 1000
TIMEOUT = 20  # seconds for a page or an action to settle (slow CI machines)


def require_browser() -> None:
    """Skip without a browser on a workstation; in CI (CI set) a missing browser fails."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[test]')")
    if not missing:
        return
    reason = f"browser tests need {', '.join(missing)}: apt-get install chromium chromium-driver"
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"CI is set but {reason}")
    pytest.skip(reason)


class Browser:
    """A headless Chromium with a fresh profile, and the few waits the tests need."""

    def __init__(self, base_url: str) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager never downloads
        self.base_url = base_url
        self.profile = tempfile.mkdtemp(prefix="nexa-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--lang=en-IN",
            f"--user-data-dir={self.profile}",
            f"--window-size={WIDTH},{HEIGHT}",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        self.driver.set_page_load_timeout(60)

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # --- navigation and waits ------------------------------------------------------------

    def open(self, hash_path: str = "") -> None:
        self.driver.get(f"{self.base_url}/console{hash_path}")

    def wait(
        self, condition: Callable[[Any], Any], timeout: float = TIMEOUT, message: str = ""
    ) -> Any:
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )
        from selenium.webdriver.support.ui import WebDriverWait

        # a page re-renders its tables after each action: an element seen a moment ago may
        # be gone; look again
        ignored = (NoSuchElementException, StaleElementReferenceException)
        wait = WebDriverWait(self.driver, timeout, poll_frequency=0.1, ignored_exceptions=ignored)
        return wait.until(condition, message)

    def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def wait_for(self, css: str, timeout: float = TIMEOUT) -> Any:
        return self.wait(lambda _: self.find_all(css), timeout, f"nothing matches {css}")[0]

    def wait_text(self, css: str, text: str, timeout: float = TIMEOUT) -> Any:
        def seen(_: Any) -> Any:
            for element in self.find_all(css):
                if text in element.text:
                    return element
            return None

        return self.wait(seen, timeout, f"no {css} shows {text!r}")

    def mark_stale(self) -> None:
        """Before a navigation: the page shown now no longer counts as loaded."""
        self.driver.execute_script(
            "const main = document.querySelector('main'); if (main) main.dataset.ready = 'stale';"
        )

    def go(self, page: str, query: str = "") -> None:
        """A console page by its hash route; returns when it has finished loading."""
        self.mark_stale()
        self.driver.execute_script(
            "if (window.location.hash === arguments[0])"
            " window.dispatchEvent(new HashChangeEvent('hashchange'));"
            " else window.location.hash = arguments[0];",
            f"#/{page}{'?' + query if query else ''}",
        )
        self.wait_ready(page)

    def submit(self, button_css: str, page: str) -> None:
        """Click a button that reloads the page (a search), and wait for it."""
        self.mark_stale()
        self.find(button_css).click()
        self.wait_ready(page)

    def wait_ready(self, page: str) -> None:
        self.wait_for(f"main[data-page='{page}'][data-ready='true']")

    def alerts(self, kind: str = "error") -> list[str]:
        return [element.text for element in self.find_all(f".alert-{kind} .alert-text")]

    def fill(self, css: str, value: str) -> None:
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def row_with(self, table_css: str, text: str) -> Any:
        return self.wait_text(f"{table_css} tbody tr", text)

    def storage(self) -> dict[str, Any]:
        raw = self.driver.execute_script(
            "return window.sessionStorage.getItem('nexa.console.session');"
        )
        import json

        return json.loads(raw) if raw else {}

    # --- artifacts -----------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        """The whole page (the window grows to the page's height for the shot)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        height = self.driver.execute_script(
            "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight);"
        )
        self.driver.set_window_size(WIDTH, min(max(HEIGHT, int(height) + 40), 6000))
        try:
            self.driver.save_screenshot(str(path))
        finally:
            self.driver.set_window_size(WIDTH, HEIGHT)
        return path

    def console_errors(self) -> list[str]:
        """Severe browser-log entries (script errors, CSP refusals), except failed API calls
        the tests cause on purpose (a wrong password answers 401)."""
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
        ]
