"""HTTP Basic costs one password hash a minute, not one a request: a success is remembered briefly (keyed by an
HMAC of the credentials), and a changed password, a deactivation, a logout everywhere or a lockout end it.

The hash check is counted (a spy on the function web.auth.passwords calls), never timed."""
import base64

import pytest
import sqlalchemy as sa

import web.auth.passwords
from engine.store.models import LoginFailure, User
from web.auth import hash_password
from web.auth.verified_credentials import VerifiedCredentials, verified_credentials
from web.extensions import db


def basic(username, password="demo"):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


class Clock:
    """Seconds that the test moves."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def hashes(monkeypatch):
    """How many password hashes were checked (a spy around werkzeug's check)."""
    calls = []
    real = web.auth.passwords.check_password_hash

    def counting(password_hash, password):
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(web.auth.passwords, "check_password_hash", counting)
    return calls


@pytest.fixture
def clock(app):
    """A fresh store for the test, on a clock the test moves."""
    store = VerifiedCredentials(app.secret_key, 60, clock=Clock())
    app.extensions["verified_credentials"] = store
    yield store.clock
    app.extensions.pop("verified_credentials", None)


def version(client, username="ada", password="demo"):
    return client.get("/engine-rest/version", headers=basic(username, password)).status_code


def user(username):
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def test_a_second_request_within_the_minute_hashes_nothing(client, org, hashes, clock):
    assert [version(client) for _ in range(5)] == [200] * 5
    assert len(hashes) == 1
    assert client.get("/api/v1/tasks", headers=basic("ada")).status_code == 200  # the JSON API too
    assert len(hashes) == 1
    clock.now += 61  # the entry has lived its minute
    assert version(client) == 200 and len(hashes) == 2
    assert version(client) == 200 and len(hashes) == 2


def test_the_store_keeps_neither_password_nor_hash(app, org, clock):
    store = verified_credentials(app)
    store.remember("ada", "demo", user("ada"))
    [(key, entry)] = store._entries.items()
    assert b"demo" not in key and len(key) == 32
    assert user("ada").password_hash.encode() not in entry.password_digest


def test_a_wrong_password_is_hashed_and_counted_every_time(client, org, hashes, clock):
    assert version(client) == 200
    assert [version(client, password="wrong") for _ in range(3)] == [401] * 3
    assert len(hashes) == 4  # the right one once, each wrong one
    failures = db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure).where(
        LoginFailure.username == "ada"))
    assert failures == 3
    assert client.get("/api/v1/tasks", headers=basic("ada")).status_code == 200  # still remembered
    assert len(hashes) == 4
    db.session.commit()  # (read anew)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0


def test_a_locked_out_account_is_refused_even_with_remembered_credentials(app, client, org, hashes, clock):
    assert version(client) == 200
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        version(client, password="wrong")
    assert version(client) == 429
    assert client.get("/api/v1/tasks", headers=basic("ada")).status_code == 429


def test_a_new_password_ends_the_remembered_one(client, org, hashes, clock, act):
    assert version(client, "ben") == 200
    ben = user("ben")
    changed = act.as_("hana").post(f"/admin/users/{ben.id}", data={
        "username": "ben", "name": ben.name, "manager": ben.manager.username, "active": "y",
        "password": "a-new-secret"})
    assert changed.status_code == 302
    assert all(entry.user_id != ben.id for entry in verified_credentials()._entries.values())
    before = len(hashes)
    assert version(client, "ben") == 401 and len(hashes) == before + 1
    assert version(client, "ben", "a-new-secret") == 200


def test_a_password_changed_elsewhere_ends_it_too(client, org, hashes, clock):
    """Another process changed the row (this store was not told): the remembered entry no longer matches."""
    assert version(client) == 200
    ada = user("ada")
    ada.password_hash = hash_password("changed-elsewhere")
    db.session.commit()
    assert version(client) == 401 and len(hashes) == 2
    assert version(client, password="changed-elsewhere") == 200


def test_a_deactivated_or_logged_out_user_is_not_remembered(client, org, hashes, clock):
    assert version(client) == 200 and version(client, "ben") == 200
    ada = user("ada")
    ada.active = False
    db.session.commit()
    assert version(client) == 401
    ben = user("ben")
    ben.session_version += 1  # a logout everywhere (web.auth.revoke_sessions), from another process
    db.session.commit()
    before = len(hashes)
    assert version(client, "ben") == 200 and len(hashes) == before + 1  # checked again, then remembered anew


def test_the_cache_can_be_turned_off(app, client, org, hashes):
    app.extensions["verified_credentials"] = VerifiedCredentials(app.secret_key, 0)
    try:
        assert [version(client) for _ in range(3)] == [200] * 3
        assert len(hashes) == 3
    finally:
        app.extensions.pop("verified_credentials", None)


def test_the_login_form_always_checks_the_password(client, org, hashes, clock):
    assert version(client) == 200
    assert client.post("/login", data={"username": "ada", "password": "demo"}).status_code == 302
    assert len(hashes) == 2


def test_the_store_stays_bounded(org):
    store = VerifiedCredentials("s", 60, clock=Clock(), max_entries=3)
    ada = user("ada")
    for index in range(5):
        store.remember("ada", f"pw{index}", ada)
    assert len(store) == 3
    assert not store.recall("ada", "pw0", ada) and store.recall("ada", "pw4", ada)
