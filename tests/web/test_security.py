"""Web safety: headers, cookies, CSRF on API calls that ride on the session, login throttling, hashing, escaping."""
import base64
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.store.models import LoginFailure, utcnow
from web import create_app
from web.extensions import db

from ..helpers import JOB_DESCRIPTION, OBJECTIVES


def test_security_headers_on_pages_and_api(act, client):
    for response in (client.get("/login"), act.as_("ada").get("/"), client.get("/api/v1/openapi.json")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_http_only_and_same_site(org, client):
    response = client.post("/login", data={"username": "ada", "password": "demo"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_passwords_use_scrypt(app):
    from web.auth import hash_password
    production = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with production.app_context():
        assert hash_password("demo").startswith("scrypt:")


def test_repeated_failed_logins_lock_the_account_for_a_while(org, app, client, monkeypatch):
    for _ in range(5):
        assert client.post("/login", data={"username": "ada", "password": "wrong"}).status_code == 401
    locked = client.post("/login", data={"username": "ada", "password": "demo"})
    assert locked.status_code == 429 and "Too many failed logins" in locked.get_data(as_text=True)
    basic = {"Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()}
    api = client.get("/api/v1/tasks", headers=basic)
    assert api.status_code == 429 and api.json["code"] == "too_many_attempts"
    other = app.test_client()
    assert other.post("/login", data={"username": "ben", "password": "demo"}).status_code == 302  # others fine
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr("web.auth.passwords.utcnow", lambda: later)
    assert client.post("/login", data={"username": "ada", "password": "demo"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure).where(
        LoginFailure.username == "ada")) == 0  # a success clears the count


@pytest.fixture
def csrf_app(app):
    """The app as in production: CSRF on."""
    return create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x",
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def logged_in(csrf_app, username):
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True))
    token = token.group(1) or token.group(2)
    assert client.post("/login", data={"username": username, "password": "demo", "csrf_token": token}
                       ).status_code == 302
    page = client.get("/").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_api_calls_on_the_session_cookie_need_the_csrf_token(act, csrf_app):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    client, token = logged_in(csrf_app, "ada")
    refused = client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": OBJECTIVES})
    assert refused.status_code == 400 and refused.json["code"] == "csrf_failed"
    assert act.task(instance, "career_objectives_meeting").status == "open"
    done = client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": OBJECTIVES}, headers={"X-CSRFToken": token})
    assert done.status_code == 200
    # tools with credentials of their own need no token
    basic = {"Authorization": "Basic " + base64.b64encode(b"ada:demo").decode()}
    fresh = csrf_app.test_client()
    jd = act.task(instance, "draft_job_description")
    assert fresh.post(f"/api/v1/tasks/{jd.id}/complete", json={"data": JOB_DESCRIPTION}, headers=basic
                      ).status_code == 200
    # page forms without the token are refused
    assert client.post("/paths/start").status_code == 400


def test_typed_html_is_shown_as_text_everywhere(act):
    instance = act.start_path("ada")
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    act.complete("ada", instance, "career_objectives_meeting", **dict(OBJECTIVES, career_goals=payload))
    for url in (f"/paths/{instance.id}", f"/tasks/{act.task(instance, 'draft_job_description').id}"):
        page = act.as_("ada").get(url).get_data(as_text=True)
        assert payload not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
