"""A real OpenID Provider for the single sign-on tests: panva's oidc-provider (npm) run by Node on a free
loopback port (tests/oidc/provider.mjs), and a small reader of its development login and consent forms."""
import json
import os
import select
import subprocess
import tempfile
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

from web.config import PROJECT_ROOT

SCRIPT = os.path.join(PROJECT_ROOT, "tests", "oidc", "provider.mjs")
PACKAGE = os.path.join(PROJECT_ROOT, "node_modules", "oidc-provider", "package.json")
START_TIMEOUT = 30  # seconds for Node to load the provider and listen


def provider_installed():
    """True when `make setup` installed oidc-provider into node_modules."""
    return os.path.exists(PACKAGE)


@contextmanager
def openid_provider(redirect_uri, client_id, client_secret):
    """Run the provider with one client (this redirect URI, id and secret); yields its issuer URL once its
    discovery document answers, and stops it afterwards."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(
            ["node", SCRIPT, "--redirect-uri", redirect_uri, "--client-id", client_id,
             "--client-secret", client_secret],
            cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
            line = process.stdout.readline() if ready else ""
            if not line:
                errors.seek(0)
                raise RuntimeError(f"oidc-provider did not start: {errors.read()[-2000:]}")
            issuer = json.loads(line)["issuer"]
            discovery = requests.get(issuer + "/.well-known/openid-configuration", timeout=10)
            discovery.raise_for_status()
            assert discovery.json()["issuer"] == issuer
            yield issuer
        finally:
            process.stdin.close()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


class _Forms(HTMLParser):
    """The forms of a page: action, method and the values of their named inputs."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def forms_of(response):
    """The forms on a page, their actions made absolute."""
    parser = _Forms()
    parser.feed(response.text)
    for form in parser.forms:
        form["action"] = urljoin(response.url, form["action"])
    return parser.forms


def submit(browser, response, **values):
    """Fill the page's (only or first) POST form with `values` over its own fields and send it, following
    redirects as a browser does."""
    form = next(form for form in forms_of(response) if form["method"] == "post")
    return browser.post(form["action"], data={**form["fields"], **values}, timeout=10)
