"""Single sign-on with OpenID Connect against a real OpenID Provider (panva's oidc-provider, run by Node on
loopback): the app runs as a live server and an HTTP client goes through the whole flow, the provider's
development login and consent forms included. Also: local passwords switched off, and no button (nor
route) without an identity provider."""
import base64
import os
from html import unescape
import socket
import threading
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from engine.store.models import ApiToken, User
from web import create_app
from web.auth.passwords import PASSWORDS_OFF
from web.extensions import db
from web.auth.api_tokens import token_hash

from ..oidc_provider import forms_of, openid_provider, provider_installed, submit

CLIENT_ID = "career-pathing"
CLIENT_SECRET = "a-test-client-secret"
CALLBACK = "/login/oidc/callback"


class Site:
    """The live app (`base`), the provider (`issuer`) and the served Flask app (for its settings)."""

    def __init__(self, base, issuer, served):
        self.base, self.issuer, self.served = base, issuer, served


@pytest.fixture(scope="module")
def site(app):
    """The app served on a free loopback port, configured for the provider, which knows the app's callback."""
    if not provider_installed():
        message = "oidc-provider is not in node_modules: `make setup` installs it"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    server = make_server("127.0.0.1", 0, None, threaded=True)  # the app comes once the provider is up
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with openid_provider(base + CALLBACK, CLIENT_ID, CLIENT_SECRET) as issuer:
            server.app = create_app({
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "sso-test",
                "OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET})
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield Site(base, issuer, server.app)
            finally:
                server.shutdown()
                thread.join(timeout=10)
    finally:
        server.server_close()


def start_sign_in(site, next_page=None):
    """A fresh browser presses "Sign in with single sign-on" on the login page; returns it and the
    provider's authorization URL the app sends it to."""
    browser = requests.Session()
    page = browser.get(site.base + "/login", params={"next": next_page} if next_page else None, timeout=10)
    assert page.status_code == 200 and "Sign in with single sign-on" in page.text
    button = next(form for form in forms_of(page) if urlsplit(form["action"]).path == "/login/oidc")
    started = browser.post(button["action"], data=button["fields"], allow_redirects=False, timeout=10)
    assert started.status_code == 302, started.text
    return browser, started.headers["Location"]


def sign_in(site, email, next_page=None):
    """Sign in at the provider as `email` (its development login takes any name and password), consent, and
    land back on the app; returns the browser and the last page."""
    browser, authorization = start_sign_in(site, next_page)
    page = browser.get(authorization, timeout=10)
    for _ in range(3):  # the login form, then the consent form
        if not urlsplit(page.url).path.startswith("/interaction/") or not page.url.startswith(site.issuer):
            break
        fields = {"login": email, "password": "any password"} if 'name="login"' in page.text else {}
        page = submit(browser, page, **fields)
    return browser, page


def logged_in(site, browser):
    """True when the browser's session is someone's: the inbox opens instead of the login page."""
    page = browser.get(site.base + "/", allow_redirects=False, timeout=10)
    return page.status_code == 200 and "Your tasks" in page.text


def test_a_known_person_signs_in_with_the_code_flow_and_pkce(site, org):
    browser, authorization = start_sign_in(site)
    asked = parse_qs(urlsplit(authorization).query)
    assert authorization.startswith(site.issuer + "/auth?")
    assert asked["response_type"] == ["code"] and asked["client_id"] == [CLIENT_ID]
    assert asked["redirect_uri"] == [site.base + CALLBACK]
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) >= 43
    assert asked["state"][0] and asked["nonce"][0] and "email" in asked["scope"][0].split()

    _browser, page = sign_in(site, "ada@example.com")
    assert page.status_code == 200 and page.url == site.base + "/"
    assert "Welcome, Ada Lovelace." in page.text and "Your tasks" in page.text
    assert logged_in(site, _browser)
    assert _browser.get(site.base + "/api/v1/tasks", timeout=10).status_code == 200


def test_the_email_matches_whatever_its_case(site, org):
    browser, page = sign_in(site, "ADA@Example.COM")
    assert page.status_code == 200 and "Welcome, Ada Lovelace." in page.text and logged_in(site, browser)


def test_sign_in_goes_on_to_the_page_asked_for_on_this_site_only(site, org):
    browser, page = sign_in(site, "mia@example.com", next_page="/paths/")
    assert page.status_code == 200 and page.url == site.base + "/paths/"
    _browser, page = sign_in(site, "mia@example.com", next_page="//evil.example/")
    assert page.url == site.base + "/"


def test_someone_the_directory_does_not_know_gets_a_plain_page_and_no_session(site, org):
    browser, page = sign_in(site, "nobody@example.com")
    assert page.status_code == 403 and urlsplit(page.url).path == CALLBACK
    assert "Nobody with the email address nobody@example.com is in Career Pathing's directory" in unescape(page.text)
    assert "You are not logged in" in page.text
    assert not logged_in(site, browser)
    assert browser.get(site.base + "/api/v1/tasks", timeout=10).status_code == 401


def test_a_deactivated_person_is_refused(site, org):
    org["ben"].active = False
    db.session.commit()
    browser, page = sign_in(site, "ben@example.com")
    assert page.status_code == 403 and "The account for ben@example.com is switched off" in page.text
    assert not logged_in(site, browser)


def test_two_people_with_one_address_are_refused(site, org):
    org["sam"].email = "Mia@Example.com"
    db.session.commit()
    browser, page = sign_in(site, "mia@example.com")
    assert page.status_code == 403 and "Several people in the directory have the email address" in page.text
    assert "mia, sam" in page.text and not logged_in(site, browser)


def test_cancelling_at_the_provider_logs_nobody_in(site, org):
    browser, authorization = start_sign_in(site)
    login_page = browser.get(authorization, timeout=10)
    abort = urlsplit(login_page.url).path.rstrip("/") + "/abort"
    page = browser.get(site.issuer + abort, timeout=10)
    assert page.status_code == 403 and urlsplit(page.url).path == CALLBACK
    assert "The identity provider did not sign you in (End-User aborted interaction)" in page.text
    assert not logged_in(site, browser)


def test_a_callback_that_was_not_started_here_is_refused(site, org):
    browser = requests.Session()
    page = browser.get(site.base + CALLBACK, params={"code": "made-up", "state": "made-up"}, timeout=10)
    assert page.status_code == 400 and "The sign-in could not be checked" in page.text
    assert not logged_in(site, browser)


def test_a_callback_address_works_once(site, org):
    browser, authorization = start_sign_in(site)
    page = submit(browser, browser.get(authorization, timeout=10), login="ada@example.com", password="x")
    consent = next(form for form in forms_of(page) if form["method"] == "post")
    back = browser.post(consent["action"], data=consent["fields"], allow_redirects=False, timeout=10)
    resumed = browser.get(urljoin(back.url, back.headers["Location"]), allow_redirects=False, timeout=10)
    callback = urljoin(resumed.url, resumed.headers["Location"])
    assert callback.startswith(site.base + CALLBACK + "?code=")
    assert "Welcome, Ada Lovelace." in browser.get(callback, timeout=10).text
    inbox = browser.get(site.base + "/", timeout=10)
    logout = next(form for form in forms_of(inbox) if form["action"].endswith("/logout"))
    browser.post(logout["action"], data=logout["fields"], timeout=10)
    assert not logged_in(site, browser)
    for replay in (browser, requests.Session()):  # the same browser, and another one with the same address
        page = replay.get(callback, timeout=10)
        assert page.status_code == 400 and "could not be checked" in page.text and not logged_in(site, replay)


def basic(username, password="demo"):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def test_local_passwords_switched_off(site, org, monkeypatch):
    monkeypatch.setitem(site.served.config, "LOCAL_LOGIN", False)
    browser = requests.Session()
    page = browser.get(site.base + "/login", timeout=10)
    assert 'type="password"' not in page.text and "Sign in with single sign-on" in page.text
    button = forms_of(page)[0]
    refused = browser.post(site.base + "/login", timeout=10, data={
        "username": "ada", "password": "demo", "csrf_token": button["fields"]["csrf_token"]})
    assert refused.status_code == 403 and "Passwords are switched off here: sign in with single sign-on." in refused.text
    assert not logged_in(site, browser)

    api = requests.get(site.base + "/api/v1/tasks", headers=basic("ada"), timeout=10)
    assert api.status_code == 401 and api.json()["message"] == PASSWORDS_OFF
    rest = requests.get(site.base + "/engine-rest/task", headers=basic("ada"), timeout=10)
    assert rest.status_code == 401 and rest.json()["message"] == PASSWORDS_OFF
    db.session.add(ApiToken(user_id=org["ada"].id, name="Script", token_hash=token_hash("ada-token")))
    db.session.commit()
    bearer = {"Authorization": "Bearer ada-token"}
    assert requests.get(site.base + "/api/v1/tasks", headers=bearer, timeout=10).status_code == 200
    assert requests.get(site.base + "/engine-rest/task", headers=bearer, timeout=10).status_code == 200

    browser, page = sign_in(site, "ada@example.com")
    assert "Welcome, Ada Lovelace." in page.text and logged_in(site, browser)


def test_passwords_still_work_beside_single_sign_on(site, org):
    browser = requests.Session()
    page = browser.get(site.base + "/login", timeout=10)
    assert 'type="password"' in page.text and "Sign in with single sign-on" in page.text
    form = next(form for form in forms_of(page) if urlsplit(form["action"]).path == "/login")
    done = browser.post(form["action"], data={**form["fields"], "username": "ada", "password": "demo"}, timeout=10)
    assert "Welcome, Ada Lovelace." in done.text and logged_in(site, browser)


def test_without_an_identity_provider_there_is_no_button(client, org):
    page = client.get("/login").get_data(as_text=True)
    assert "single sign-on" not in page and 'type="password"' in page
    refused = client.post("/login/oidc")
    assert refused.status_code == 404 and "Single sign-on is not set up on this server" in refused.get_data(
        as_text=True)
    assert client.get(CALLBACK + "?code=x&state=y").status_code == 404


def sso_app(app, issuer):
    """An app whose single sign-on points at `issuer` (its test client)."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x",
                        "WTF_CSRF_ENABLED": False, "OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                        "OIDC_CLIENT_SECRET": CLIENT_SECRET})
    other.test_client_class = app.test_client_class
    return other.test_client()


def test_an_issuer_that_is_not_exactly_the_providers_is_named(app, site):
    page = sso_app(app, site.issuer + "/").post("/login/oidc")
    assert page.status_code == 502
    assert f"names the issuer '{site.issuer}', not '{site.issuer}/'" in unescape(page.get_data(as_text=True))


def test_a_provider_that_does_not_answer_is_said_so(app):
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        issuer = f"http://127.0.0.1:{closed.getsockname()[1]}"
        page = sso_app(app, issuer).post("/login/oidc")
    assert page.status_code == 502
    assert f"The identity provider at {issuer} did not answer" in page.get_data(as_text=True)


def test_a_typo_in_local_login_stops_the_start(monkeypatch, app):
    monkeypatch.setenv("LOCAL_LOGIN", "flase")
    with pytest.raises(ValueError, match="LOCAL_LOGIN='flase' is neither true nor false"):
        create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_matching_ignores_people_without_that_address(org):
    from engine.directory.sign_in import SignInRefused, person_for_email
    assert person_for_email(db.session, " Hana@example.com ").username == "hana"
    db.session.add(User(username="old-hana", name="Hana (old)", email="HANA@example.com", active=False))
    db.session.flush()
    assert person_for_email(db.session, "hana@example.com").username == "hana"  # the switched-off one aside
    with pytest.raises(SignInRefused, match="did not tell Career Pathing your email address"):
        person_for_email(db.session, "")


def test_the_command_line_makes_a_token_for_a_system_account(app, database_url, org, monkeypatch):
    from click.testing import CliRunner

    from web.cli import main
    monkeypatch.setitem(app.config, "LOCAL_LOGIN", False)
    runner = CliRunner(env={"DATABASE_URL": database_url})
    made = runner.invoke(main, ["api-token", "ben", "--name", "Archive worker"])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    client = app.test_client()
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/tasks", headers=basic("ben")).status_code == 401
    unknown = runner.invoke(main, ["api-token", "nobody"])
    assert unknown.exit_code == 1 and "there is no active account 'nobody'" in unknown.output
