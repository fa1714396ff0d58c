"""A live server and Debian's Chromium for browser tests."""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from web import create_app

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live_server(app, database_url):
    """The real app (CSRF on) served on a free port for the duration of one test."""
    served = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "browser-test"})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("PATHING_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here (apt-get install -y chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run",
                  "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
