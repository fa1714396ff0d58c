"""Provisioning tokens: only they open /scim/v2; administrators make them on a page or with
`pathing provisioning-token` (the token is the last line printed), see them once, and revoke them."""
import base64
import re

import sqlalchemy as sa
from click.testing import CliRunner

from engine.store.models import ApiToken
from engine.people.provisioning import token_hash
from engine.store.provisioning_models import ProvisioningToken
from web.cli import main
from web.extensions import db

from ..scim import ERROR_SCHEMA, provisioning_token


def scim_get(client, headers=None):
    return client.get("/scim/v2/Users", headers=headers or {})


def test_only_a_live_provisioning_token_opens_scim(act, client):
    token = provisioning_token()
    assert scim_get(client, {"Authorization": f"Bearer {token}"}).status_code == 200
    refused = scim_get(client)
    assert refused.status_code == 401 and refused.get_json()["schemas"] == [ERROR_SCHEMA]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "provisioning token" in refused.get_json()["detail"]
    basic = base64.b64encode(b"hana:demo").decode()
    assert scim_get(client, {"Authorization": f"Basic {basic}"}).status_code == 401  # an administrator's password
    db.session.add(ApiToken(user_id=_id("hana"), name="Modeler", token_hash=token_hash("api")))
    db.session.commit()
    assert scim_get(client, {"Authorization": "Bearer api"}).status_code == 401  # a person's API token
    assert act.as_("hana").get("/scim/v2/Users").status_code == 401  # an administrator's session
    assert scim_get(client, {"Authorization": "Bearer scim_wrong"}).status_code == 401


def _id(username):
    from engine.store.models import User
    return db.session.scalars(sa.select(User.id).where(User.username == username)).one()


def test_an_administrator_makes_sees_once_and_revokes_a_token(act, client):
    hana = act.as_("hana")
    page = hana.post("/admin/provisioning-tokens", data={"name": "Microsoft Entra ID"}).get_data(as_text=True)
    token = re.search(r'id="new-token">([^<]+)<', page).group(1)
    assert "http://localhost/scim/v2" in page and "Microsoft Entra ID" in page
    row = db.session.scalars(sa.select(ProvisioningToken)).one()
    assert row.token_hash == token_hash(token) and token not in (row.token_hash, row.name)
    assert row.created_by.username == "hana"
    assert token not in hana.get("/admin/provisioning-tokens").get_data(as_text=True)  # shown once
    assert scim_get(client, {"Authorization": f"Bearer {token}"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(ProvisioningToken, row.id).last_used_at is not None
    assert hana.post(f"/admin/provisioning-tokens/{row.id}/revoke").status_code == 302
    assert scim_get(client, {"Authorization": f"Bearer {token}"}).status_code == 401
    listed = hana.get("/admin/provisioning-tokens").get_data(as_text=True)
    assert "revoked" in listed
    nameless = hana.post("/admin/provisioning-tokens", data={"name": "  "})
    assert nameless.status_code == 400 and "Give the token a name" in nameless.get_data(as_text=True)
    assert act.as_("ada").get("/admin/provisioning-tokens").status_code == 403


def test_the_command_line_makes_a_token_printed_last(app, client, database_url):
    result = CliRunner(env={"DATABASE_URL": database_url}).invoke(main, ["provisioning-token", "--name", "Okta"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) > 1 and "/scim/v2" in result.output
    token = lines[-1]
    assert scim_get(client, {"Authorization": f"Bearer {token}"}).status_code == 200
    assert db.session.scalars(sa.select(ProvisioningToken.name)).all() == ["Okta"]
