"""A live server on a free loopback port and a real Chromium driven by Playwright.

Debian's Chromium at /usr/bin/chromium (Playwright's own browser download does not work
offline). Without it the browser tests skip locally and fail with CI=true. A failing
test leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from opencmc.config import Settings
from opencmc.platform.db import create_db_engine
from tests.conftest import CI

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    yield from _serve(tmp_path, sqlite_template, demo=False)


@pytest.fixture
def demo_server(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """The live server with the demo data of ``opencmc serve --demo`` seeded."""
    yield from _serve(tmp_path, sqlite_template, demo=True)


def _serve(tmp_path: Path, sqlite_template: Path, demo: bool) -> Iterator[str]:
    from opencmc.platform import demo as demo_data
    from opencmc.platform.db import make_session_factory
    from opencmc.web.app import create_app

    database = tmp_path / "opencmc.db"
    shutil.copy(sqlite_template, database)
    engine = create_db_engine(f"sqlite:///{database}")
    if demo:
        demo_data.seed(make_session_factory(engine))
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{database}",
        secret_key="browser-test-secret-" + "x" * 32,
    )
    app = create_app(settings, engine=engine)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def page(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        message = f"Chromium is not at {CHROMIUM}"
        if CI:
            pytest.fail(message + "; CI installs it in .ci/run", pytrace=False)
        pytest.skip(message + "; install Debian's chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # Playwright gives every launch a fresh temporary profile of its own
            args=CHROMIUM_ARGS,
        )
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        browser_page = context.new_page()
        yield browser_page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            browser_page.screenshot(
                path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True
            )
        context.close()
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
