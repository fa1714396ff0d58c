"""Where login sends you, what logout revokes, and who an Authorization header makes you."""
import base64

import pytest
import sqlalchemy as sa

from engine.store.models import ProcessInstance
from web.extensions import db


def basic(username, password="demo"):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def login(client, next_=None):
    url = "/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"username": "ada", "password": "demo"})


@pytest.mark.parametrize("next_", ["/%09/evil.com", "/%0A/evil.com", "/%0D/evil.com", "//evil.com",
                                   "/\\evil.com", "https://evil.com/", "%20//evil.com", "javascript:alert(1)",
                                   "http:/evil.com", "evil.com", "/%5C/evil.com", "/%09%09/evil.com"])
def test_login_never_sends_you_off_the_site(client, org, next_):
    response = login(client, next_)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_nul_character_in_next_is_refused_before_login(client, org):
    response = login(client, "/%00/evil.com")
    assert response.status_code == 400 and "evil.com" not in response.headers.get("Location", "")


def test_login_follows_a_same_site_path(client, org):
    response = login(client, "/paths/%3Fstatus%3Drunning")
    assert response.status_code == 302 and response.headers["Location"] == "/paths/?status=running"


def test_a_copied_session_cookie_no_longer_works_after_logout(app, client, org):
    login(client)
    cookie = client.get_cookie("session").value
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert replay.get("/api/v1/tasks").status_code == 401
    # logging in again works, with a new session
    assert login(client).status_code == 302 and client.get("/").status_code == 200


def test_an_authorization_header_is_the_only_identity(act):
    ada = act.as_("ada")
    # Ben's credentials with Ada's cookie: the request is Ben's, not Ada's
    response = ada.post("/api/v1/process-instances", json={"process_key": "career_pathing"}, headers=basic("ben"))
    assert response.status_code == 201, response.json
    started = db.session.get(ProcessInstance, response.json["id"])
    assert started.employee.username == "ben" and started.started_by.username == "ben"


@pytest.mark.parametrize("header", ["Basic " + base64.b64encode(b"ada:wrong").decode(), "Basic !!!",
                                    "Bearer not-a-token", "Token abc", "Basic", "Digest username=ada"])
def test_a_bad_authorization_header_is_401_even_with_a_valid_cookie(act, header):
    ada = act.as_("ada")
    response = ada.post("/api/v1/process-instances", json={"process_key": "career_pathing"},
                        headers={"Authorization": header})
    assert response.status_code == 401 and "Authorization header" in response.json["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)) == 0
    assert ada.get("/", headers={"Authorization": header}).status_code == 401
    assert ada.get("/").status_code == 200  # the cookie alone still works


def test_skipping_csrf_needs_a_valid_header(app, act):
    ada = act.as_("ada")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        forged = ada.post("/api/v1/process-instances", json={"process_key": "career_pathing"},
                          headers={"Authorization": "Foo bar"})
        assert forged.status_code == 401
        no_token = ada.post("/api/v1/process-instances", json={"process_key": "career_pathing"})
        assert no_token.status_code == 400 and no_token.json["code"] == "csrf_failed"
        with_header = ada.post("/api/v1/process-instances", json={"process_key": "career_pathing"},
                               headers=basic("ada"))
        assert with_header.status_code == 201
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_bearer_token_works_on_the_api(act):
    from engine.store.models import ApiToken
    from web.auth.api_tokens import token_hash
    db.session.add(ApiToken(user_id=_user_id("ben"), name="script", token_hash=token_hash("t0k3n")))
    db.session.commit()
    response = act.app.test_client().get("/api/v1/tasks", headers={"Authorization": "Bearer t0k3n"})
    assert response.status_code == 200


def _user_id(username):
    from engine.store.models import User
    return db.session.scalar(sa.select(User.id).where(User.username == username))


def test_a_new_password_set_by_an_admin_ends_the_persons_sessions(act):
    from engine.store.models import User
    ben = act.as_("ben")
    assert ben.get("/").status_code == 200
    ben_id = _user_id("ben")
    changed = act.as_("hana").post(f"/admin/users/{ben_id}", data={
        "username": "ben", "name": "Ben Okafor", "manager": db.session.get(User, ben_id).manager.username,
        "active": "y", "password": "a-new-secret"})
    assert changed.status_code == 302
    assert ben.get("/").status_code == 302  # logged out
    hana_id = _user_id("hana")
    own = act.as_("hana").post(f"/admin/users/{hana_id}", data={
        "username": "hana", "name": "Hana Kim", "manager": "", "groups": ["hr", "admins", "process-owners"],
        "active": "y", "password": "hana-new-secret"})
    assert own.status_code == 302 and act.as_("hana").get("/").status_code == 200  # still logged in here
