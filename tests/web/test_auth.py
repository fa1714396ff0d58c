"""Logging in and out; passwords hashed; CSRF on every form."""
import re

import pytest

from web import create_app


def test_login_with_wrong_password_is_refused(client, org):
    response = client.post("/login", data={"username": "ada", "password": "nope"})
    assert response.status_code == 401 and "wrong password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_pages_ask_anonymous_people_to_log_in(client):
    response = client.get("/paths/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_passwords_are_hashed(org):
    assert org["ada"].password_hash.startswith("pbkdf2:sha256:1000$")  # the test setting
    assert "demo" not in org["ada"].password_hash


def test_production_hashes_use_scrypt():
    from web.auth import hash_password
    from flask import current_app
    current_app.config.pop("PASSWORD_HASH_METHOD", None)
    try:
        assert hash_password("demo").startswith("scrypt:")
    finally:
        current_app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"


def test_login_then_logout(client, org):
    response = client.post("/login", data={"username": "ada", "password": "demo"})
    assert response.status_code == 302
    assert "Ada Lovelace" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_login_redirect_stays_on_this_site(client, org):
    response = client.post("/login?next=//evil.example/", data={"username": "ada", "password": "demo"})
    assert response.headers["Location"] == "/"


@pytest.fixture
def csrf_client(app, database_url):
    protected = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    protected.test_client_class = app.test_client_class
    return protected.test_client()


def test_forms_without_csrf_token_are_refused(csrf_client, org):
    refused = csrf_client.post("/login", data={"username": "ada", "password": "demo"})
    assert refused.status_code == 400 and "form expired" in refused.get_data(as_text=True)
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = csrf_client.post("/login", data={"username": "ada", "password": "demo", "csrf_token": token})
    assert accepted.status_code == 302
    assert csrf_client.post("/paths/start").status_code == 400
