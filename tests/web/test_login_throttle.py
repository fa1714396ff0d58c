"""Failed logins are throttled by the client's address, so an attacker slows only himself: failures for an
account lock it from the address they came from, many failures from one address lock that address, and the
real user elsewhere logs in as usual. Behind a trusted proxy (TRUSTED_PROXIES) the client's address is the one
the proxy forwards; without one, a forwarded header is ignored."""
import base64

import pytest
import sqlalchemy as sa

from engine.store.models import LoginFailure
from web.extensions import db

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # the load balancer every request comes through
ATTACKER, ADA_AT_HOME = "198.51.100.7", "203.0.113.5"


@pytest.fixture
def behind_a_proxy(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)


def log_in(client, username, password, forwarded_for=None, remote=PROXY):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"username": username, "password": password}, headers=headers,
                       environ_base=remote)


def test_fifty_failures_with_made_up_names_do_not_lock_out_a_real_user_elsewhere(app, org, behind_a_proxy):
    attacker = app.test_client()
    for number in range(app.config["LOGIN_MAX_FAILURES_IP"]):
        assert log_in(attacker, f"nobody{number}", "guess", ATTACKER).status_code == 401
    assert log_in(app.test_client(), "ada", "demo", ADA_AT_HOME).status_code == 302
    assert log_in(attacker, "ben", "demo", ATTACKER).status_code == 429  # the attacker's address is throttled


def test_failures_for_an_account_lock_it_only_from_where_they_came(app, org, behind_a_proxy):
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert log_in(attacker, "ada", "guess", ATTACKER).status_code == 401
    refused = log_in(attacker, "ada", "demo", ATTACKER)  # even the right password: guessing stops here
    assert refused.status_code == 429 and "Too many failed logins" in refused.get_data(as_text=True)
    api = app.test_client().get("/api/v1/tasks", environ_base=PROXY, headers={
        "X-Forwarded-For": ATTACKER, "Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()})
    assert api.status_code == 429
    assert log_in(app.test_client(), "ada", "demo", ADA_AT_HOME).status_code == 302  # Ada, elsewhere
    basic = app.test_client().get("/api/v1/tasks", environ_base=PROXY, headers={
        "X-Forwarded-For": ADA_AT_HOME, "Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()})
    assert basic.status_code == 200
    assert log_in(attacker, "ada", "demo", ATTACKER).status_code == 429  # her success cleared only her own


def test_a_forwarded_address_is_ignored_unless_a_proxy_is_trusted(app, org):
    assert not app.config["TRUSTED_PROXIES"]
    attacker = app.test_client()
    remote = {"REMOTE_ADDR": ATTACKER}
    for number in range(app.config["LOGIN_MAX_FAILURES"]):  # a new forwarded address each time changes nothing
        assert log_in(attacker, "ada", "guess", f"192.0.2.{number}", remote).status_code == 401
    assert log_in(attacker, "ada", "demo", "192.0.2.200", remote).status_code == 429
    assert log_in(app.test_client(), "ada", "demo", ATTACKER, {"REMOTE_ADDR": ADA_AT_HOME}).status_code == 302


def test_the_client_address_is_the_one_the_trusted_proxy_saw(app, org, behind_a_proxy):
    log_in(app.test_client(), "ada", "guess", f"192.0.2.1, {ATTACKER}")  # the client's own part is not believed
    assert db.session.scalars(sa.select(LoginFailure.ip)).all() == [ATTACKER]
