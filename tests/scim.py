"""A SCIM client for tests: the Flask test client with a provisioning token, speaking application/scim+json."""
from engine.people import provisioning
from web.extensions import db

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def provisioning_token(name="Identity provider"):
    """A new provisioning token (committed), as an administrator makes one."""
    _row, token = provisioning.make_provisioning_token(db.session, name)
    db.session.commit()
    return token


class Scim:
    """Calls /scim/v2 as an identity provider does: `scim.post("/Users", {...})`, `scim.patch(...)`."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method, path, body=None, headers=None):
        return self.client.open("/scim/v2" + path, method=method, json=body,
                                headers={**self.headers, **(headers or {})},
                                content_type="application/scim+json" if body is not None else None)

    def get(self, path, **params):
        return self.client.get("/scim/v2" + path, query_string=params, headers=self.headers)

    def post(self, path, body, headers=None):
        return self.call("POST", path, body, headers)

    def put(self, path, body, headers=None):
        return self.call("PUT", path, body, headers)

    def patch(self, path, *operations, headers=None):
        return self.call("PATCH", path, {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}, headers)

    def delete(self, path, headers=None):
        return self.call("DELETE", path, None, headers)

    def user(self, user_name, **attributes):
        """POST a user; returns the created resource (asserting 201)."""
        response = self.post("/Users", {"schemas": [USER_SCHEMA], "userName": user_name, **attributes})
        assert response.status_code == 201, response.get_json()
        return response.get_json()
