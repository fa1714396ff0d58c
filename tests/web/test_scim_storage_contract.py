"""scim2-server's contract for storages, run on the directory storage: what it returns are copies with ids and
meta, unique values are refused twice, versions guard updates, and every filter and sort the schema allows keeps
and orders what scim2-models' own evaluator would (SQL on SQLite here, on PostgreSQL with DATABASE_URL)."""
import pytest
from scim2_models import Context, ResponseParameters
from scim2_server.storage import projection
from scim2_server.testing import ENTERPRISE, SEARCH_USERS, ScimStorageContract

from web.extensions import db
from web.scim import PROVIDER
from web.scim.storage import DirectoryStorage


def _kept(user):
    """A contract user without what the directory does not keep (employeeNumber, an email's type and primary)."""
    user = {key: value for key, value in user.items() if key != ENTERPRISE}
    if "emails" in user:
        user["emails"] = [{"value": email["value"]} for email in user["emails"]][:1]
    return user


class TestDirectoryStorage(ScimStorageContract):
    supports_root_search = False

    @pytest.fixture
    def provider(self):
        return PROVIDER

    @pytest.fixture
    def storage(self, app):
        return DirectoryStorage(db.session, PROVIDER)

    def search_users(self):
        return [_kept(user) for user in SEARCH_USERS]

    @pytest.mark.parametrize("parameters", [{"excludedAttributes": "members"}, {"attributes": "displayName"},
                                            {"attributes": "members.value"}])
    def test_get_keeps_what_the_response_returns(self, storage, user_type, group_type, user_model, group_model,
                                                 parameters):
        """The contract's own test, with a member as this schema has it (no `display`)."""
        (user,) = self.create_users(storage, user_type, user_model, "bjensen")
        group = storage.create(group_type, group_model.model_validate({"displayName": "Admins",
                                                                      "members": [{"value": user.id}]}))
        response_parameters = ResponseParameters[group_model].model_validate(parameters)
        whole = storage.get(group_type, group.id)
        projected = storage.get(group_type, group.id, **projection(storage, response_parameters))
        context = Context.RESOURCE_QUERY_RESPONSE
        assert projected.model_dump(scim_ctx=context, response_parameters=response_parameters) == \
            whole.model_dump(scim_ctx=context, response_parameters=response_parameters)
