"""SCIM 2.0 provisioning through the test client: what an identity provider sends, and what the org directory
then holds (people, managers, departments, groups), answered in SCIM's shapes."""
import pytest
import sqlalchemy as sa

from engine.store.models import Group, InstanceEvent, ProcessInstance, User
from web.extensions import db

from ..scim import ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, Scim, provisioning_token


@pytest.fixture
def scim(client):
    return Scim(client, provisioning_token())


def person(username):
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def listed(response):
    assert response.status_code == 200, response.get_json()
    return [resource["userName"] if "userName" in resource else resource["displayName"]
            for resource in response.get_json()["Resources"]]


def assert_scim_error(response, status, scim_type=None, says=""):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/scim+json"
    body = response.get_json()
    assert body["schemas"] == [ERROR_SCHEMA] and body["status"] == str(status)
    if scim_type:
        assert body["scimType"] == scim_type
    assert says in body["detail"], body["detail"]


# ---- discovery ----------------------------------------------------------------------------------------------

def test_the_service_describes_itself(scim):
    config = scim.get("/ServiceProviderConfig")
    assert config.status_code == 200 and config.mimetype == "application/scim+json"
    body = config.get_json()
    assert body["patch"]["supported"] and body["filter"]["supported"] and body["sort"]["supported"]
    assert body["etag"]["supported"] and not body["bulk"]["supported"]
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = {rt["name"]: rt for rt in scim.get("/ResourceTypes").get_json()["Resources"]}
    assert types["User"]["endpoint"] == "/Users" and types["Group"]["endpoint"] == "/Groups"
    assert types["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    schemas = {schema["id"]: schema for schema in scim.get("/Schemas").get_json()["Resources"]}
    enterprise = {attribute["name"]: attribute for attribute in schemas[ENTERPRISE]["attributes"]}
    assert set(enterprise) == {"department", "manager"}
    assert {attribute["name"] for attribute in schemas[USER_SCHEMA]["attributes"]} == {
        "userName", "name", "displayName", "title", "active", "emails", "groups"}
    assert scim.get(f"/Schemas/{GROUP_SCHEMA}").get_json()["id"] == GROUP_SCHEMA


# ---- users: create, read ------------------------------------------------------------------------------------

def test_a_created_user_is_a_person_of_the_directory(scim):
    mia = scim.user("mia@example.com", displayName="Mia Hoffmann")
    created = scim.post("/Users", {
        "schemas": [USER_SCHEMA, ENTERPRISE], "userName": "Ada@Example.com", "externalId": "00u1ada",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "displayName": "Ada Lovelace",
        "title": "Software Engineer", "active": True,
        "emails": [{"value": "ada@home.example", "type": "home"},
                   {"value": "ada@example.com", "type": "work", "primary": True}],
        "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],  # not kept: dropped, not refused
        ENTERPRISE: {"department": "Engineering", "manager": {"value": mia["id"]}, "employeeNumber": "42"}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert created.headers["Location"] == body["meta"]["location"] == f"http://localhost/scim/v2/Users/{body['id']}"
    assert created.headers["ETag"] == body["meta"]["version"]
    ada = person("Ada@Example.com")
    assert (ada.name, ada.given_name, ada.family_name, ada.email, ada.job_title, ada.department, ada.external_id) \
        == ("Ada Lovelace", "Ada", "Lovelace", "ada@example.com", "Software Engineer", "Engineering", "00u1ada")
    assert ada.manager.username == "mia@example.com" and ada.active and ada.password_hash is None
    assert body["emails"] == [{"value": "ada@example.com"}]
    assert body[ENTERPRISE] == {"department": "Engineering",
                                "manager": {"value": mia["id"], "$ref": f"http://localhost/scim/v2/Users/{mia['id']}"}}
    assert scim.get(f"/Users/{body['id']}").get_json() == body


def test_a_user_without_display_name_or_active_gets_them(scim):
    body = scim.user("grace", name={"givenName": "Grace", "familyName": "Hopper"})
    assert body["displayName"] == "Grace Hopper" and body["active"] is True
    assert person("grace").name == "Grace Hopper"


def test_people_typed_in_on_the_admin_page_are_users_too(scim, org):
    found = scim.get("/Users", filter='userName eq "ada"').get_json()["Resources"]
    assert [(user["displayName"], user[ENTERPRISE]["manager"]["value"]) for user in found] == [
        ("Ada Lovelace", str(org["mia"].id))]
    hana = scim.get(f"/Users/{org['hana'].id}").get_json()
    assert {group["display"] for group in hana["groups"]} == {"HR", "Process owners", "Administrators"}


def test_a_username_is_taken_whatever_its_case(scim):
    scim.user("ada")
    assert_scim_error(scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "ADA"}), 409, "uniqueness",
                      "is taken")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize("body, scim_type, says", [
    ({"displayName": "Nobody"}, "invalidValue", "userName"),
    ({"userName": "ada lovelace"}, "invalidValue", "space"),
    ({"userName": "x" * 81}, "invalidValue", "at most 80"),
    ({"userName": "ada", ENTERPRISE: {"manager": {"value": "999999"}}}, "invalidValue", "manager '999999'"),
    ({"userName": "ada", "active": "maybe"}, "invalidValue", "active"),
])
def test_a_bad_user_is_refused_and_nothing_is_written(scim, body, scim_type, says):
    assert_scim_error(scim.post("/Users", {"schemas": [USER_SCHEMA, ENTERPRISE], **body}), 400, scim_type, says)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_body_that_is_not_json_is_refused(scim, client):
    response = client.post("/scim/v2/Users", data="{nope", headers={**scim.headers, "Content-Type":
                                                                     "application/scim+json"})
    assert_scim_error(response, 400)
    assert_scim_error(scim.get("/Users/999999"), 404, says="There is no User")
    assert_scim_error(scim.get("/Users/not-a-number"), 404)


# ---- users: search ------------------------------------------------------------------------------------------

@pytest.fixture
def people(scim):
    """Four people with the values the filters below pick from."""
    mia = scim.user("mia", displayName="Mia Hoffmann", title="Engineering Manager",
                    emails=[{"value": "mia@example.com"}], **{ENTERPRISE: {"department": "Engineering"}})
    scim.user("ada", displayName="Ada Lovelace", title="Engineer", emails=[{"value": "ada@example.com"}],
              externalId="ext-ada", **{ENTERPRISE: {"department": "Engineering", "manager": {"value": mia["id"]}}})
    scim.user("ben", displayName="Ben Okafor", emails=[{"value": "ben@sales.example"}], active=False,
              **{ENTERPRISE: {"department": "Sales", "manager": {"value": mia["id"]}}})
    scim.user("sol", displayName="Sol Rivera")
    return mia


@pytest.mark.parametrize("scim_filter, expected", [
    ('userName eq "ADA"', ["ada"]),
    ('emails.value co "example.com"', ["ada", "mia"]),
    ('emails co "SALES"', ["ben"]),
    ('emails[value ew ".example"]', ["ben"]),
    ("title pr", ["ada", "mia"]),
    ("not (title pr)", ["ben", "sol"]),
    ('title eq "Engineer" or displayName sw "Sol"', ["ada", "sol"]),
    (f'{ENTERPRISE}:department eq "engineering" and active eq true', ["ada", "mia"]),
    ("active eq false", ["ben"]),
    ('externalId eq "ext-ada"', ["ada"]),
    ('externalId eq "EXT-ADA"', []),  # externalId is case-exact
    ('title ne "Engineer"', ["ben", "mia", "sol"]),
    ('meta.created gt "2000-01-01T00:00:00Z"', ["ada", "ben", "mia", "sol"]),
    ('userName gt "b" and userName lt "n"', ["ben", "mia"]),
    ('userName co "%"', []),  # a LIKE wildcard is a plain character here
])
def test_filters(scim, people, scim_filter, expected):
    assert listed(scim.get("/Users", filter=scim_filter, sortBy="userName")) == expected


def test_filter_on_the_manager(scim, people):
    found = scim.get("/Users", filter=f'{ENTERPRISE}:manager.value eq "{people["id"]}"', sortBy="userName")
    assert listed(found) == ["ada", "ben"]


def test_a_filter_on_what_is_not_kept_or_malformed_is_a_400(scim, people):
    assert_scim_error(scim.get("/Users", filter='phoneNumbers pr'), 400, "invalidFilter")
    assert_scim_error(scim.get("/Users", filter='userName eq'), 400, "invalidFilter")


def test_pages_and_sorting(scim, people):
    first = scim.get("/Users", sortBy="displayName", sortOrder="descending", startIndex=1, count=2).get_json()
    assert (first["totalResults"], first["startIndex"], first["itemsPerPage"]) == (4, 1, 2)
    assert [user["displayName"] for user in first["Resources"]] == ["Sol Rivera", "Mia Hoffmann"]
    second = scim.get("/Users", sortBy="displayName", sortOrder="descending", startIndex=3, count=2).get_json()
    assert [user["displayName"] for user in second["Resources"]] == ["Ben Okafor", "Ada Lovelace"]
    assert scim.get("/Users", count=0).get_json()["totalResults"] == 4
    titles = scim.get("/Users", sortBy="title").get_json()["Resources"]
    assert [user.get("title") for user in titles] == ["Engineer", "Engineering Manager", None, None]  # missing last
    searched = scim.post("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                            "filter": 'userName sw "a"', "attributes": ["userName"]}).get_json()
    assert searched["Resources"] == [{"schemas": [USER_SCHEMA], "id": searched["Resources"][0]["id"],
                                      "userName": "ada"}]


# ---- users: change ------------------------------------------------------------------------------------------

def test_patch_replaces_adds_and_removes(scim, people):
    ada = scim.get("/Users", filter='userName eq "ada"').get_json()["Resources"][0]
    response = scim.patch(f"/Users/{ada['id']}",
                          {"op": "replace", "path": "title", "value": "Staff Engineer"},
                          {"op": "add", "path": "name.givenName", "value": "Augusta Ada"},
                          {"op": "remove", "path": "emails"},
                          {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Research"})
    assert response.status_code == 204, response.get_json()
    row = person("ada")
    assert (row.job_title, row.given_name, row.email, row.department) == ("Staff Engineer", "Augusta Ada", None,
                                                                           "Research")
    assert scim.get(f"/Users/{ada['id']}", attributes="title").get_json()["title"] == "Staff Engineer"


def test_patch_as_microsoft_entra_sends_it(scim, people):
    """Capitalised ops, a boolean as a string, a bare manager id, a selected email's value, no path."""
    sol = scim.get("/Users", filter='userName eq "sol"').get_json()["Resources"][0]
    response = scim.patch(f"/Users/{sol['id']}",
                          {"op": "Replace", "path": "active", "value": "False"},
                          {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": people["id"]},
                          {"op": "Add", "path": 'emails[type eq "work"].value', "value": "sol@example.com"},
                          {"op": "Replace", "value": {"displayName": "Sol Rivera-Diaz"}})
    assert response.status_code == 204, response.get_json()
    row = person("sol")
    assert (row.active, row.manager.username, row.email, row.name) == (False, "mia", "sol@example.com",
                                                                       "Sol Rivera-Diaz")


def test_deactivating_through_scim_ends_sign_in(scim, org):
    ada = org["ada"]
    browser = scim.client.application.test_client()
    assert browser.post("/login", data={"username": "ada", "password": "demo"}).status_code == 302
    assert browser.get("/").status_code == 200
    assert scim.patch(f"/Users/{ada.id}", {"op": "replace", "path": "active", "value": False}).status_code == 204
    assert browser.get("/").status_code == 302  # the session ended
    again = scim.client.application.test_client()
    assert again.post("/login", data={"username": "ada", "password": "demo"}).status_code == 401  # refused
    assert scim.patch(f"/Users/{ada.id}", {"op": "replace", "value": {"active": True}}).status_code == 204
    assert again.post("/login", data={"username": "ada", "password": "demo"}).status_code == 302


def test_a_manager_change_that_makes_a_loop_is_refused(scim, people):
    ada = scim.get("/Users", filter='userName eq "ada"').get_json()["Resources"][0]
    response = scim.patch(f"/Users/{people['id']}",
                          {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": ada["id"]}})
    assert_scim_error(response, 400, "invalidValue", "reporting loop")
    assert person("mia").manager is None


def test_put_replaces_the_whole_user(scim, people):
    ada = scim.get("/Users", filter='userName eq "ada"').get_json()["Resources"][0]
    replaced = scim.put(f"/Users/{ada['id']}", {"schemas": [USER_SCHEMA], "userName": "ada.lovelace",
                                                "displayName": "Ada King", "active": True})
    assert replaced.status_code == 200, replaced.get_json()
    row = person("ada.lovelace")
    assert (row.name, row.job_title, row.email, row.department, row.manager) == ("Ada King", None, None, None, None)
    assert replaced.get_json()["id"] == ada["id"]


def test_versions_guard_changes(scim, people):
    ada = scim.get("/Users", filter='userName eq "ada"').get_json()["Resources"][0]
    version = ada["meta"]["version"]
    assert scim.client.get(f"/scim/v2/Users/{ada['id']}",
                           headers={**scim.headers, "If-None-Match": version}).status_code == 304
    assert scim.patch(f"/Users/{ada['id']}", {"op": "replace", "path": "title", "value": "Lead"},
                      headers={"If-Match": version}).status_code == 204
    stale = scim.patch(f"/Users/{ada['id']}", {"op": "replace", "path": "title", "value": "Again"},
                       headers={"If-Match": version})
    assert stale.status_code == 412
    assert person("ada").job_title == "Lead"


# ---- users: delete ------------------------------------------------------------------------------------------

def test_delete_deprovisions_a_person_and_keeps_their_history(act, scim, org):
    path = act.start_path("ada")
    ada_id = org["ada"].id
    assert scim.delete(f"/Users/{ada_id}").status_code == 204
    assert_scim_error(scim.get(f"/Users/{ada_id}"), 404)
    assert_scim_error(scim.delete(f"/Users/{ada_id}"), 404)
    assert "ada" not in listed(scim.get("/Users"))
    db.session.expire_all()
    row = db.session.get(User, ada_id)
    assert not row.active and row.deprovisioned_at is not None
    assert db.session.get(ProcessInstance, path.id).employee_id == ada_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstanceEvent)
                             .where(InstanceEvent.instance_id == path.id)) > 0
    back = scim.user("ada", displayName="Ada Lovelace")  # provisioned again: the same person comes back
    assert back["id"] == str(ada_id) and back["active"] is True
    assert person("ada").deprovisioned_at is None


def test_the_last_administrator_cannot_be_deactivated(scim, org):
    hana = org["hana"]
    assert_scim_error(scim.patch(f"/Users/{hana.id}", {"op": "replace", "path": "active", "value": False}), 409,
                      says="only active administrator")
    assert_scim_error(scim.delete(f"/Users/{hana.id}"), 409)
    assert person("hana").active


# ---- groups -------------------------------------------------------------------------------------------------

def group_id(scim, label):
    return scim.get("/Groups", filter=f'displayName eq "{label}"').get_json()["Resources"][0]["id"]


def test_groups_are_the_apps_groups_with_their_members(scim, org):
    hr = scim.get("/Groups", filter='displayName eq "hr"').get_json()
    assert hr["totalResults"] == 1
    assert hr["Resources"][0]["members"] == [
        {"value": str(org["hana"].id), "$ref": f"http://localhost/scim/v2/Users/{org['hana'].id}", "type": "User"}]
    assert listed(scim.get("/Groups", filter=f'members eq "{org["leo"].id}"')) == ["Leadership"]
    without = scim.get("/Groups", excludedAttributes="members", sortBy="displayName").get_json()["Resources"]
    assert [group["displayName"] for group in without][:2] == ["Administrators", "Connected systems (external task "
                                                                                  "workers)"]
    assert all("members" not in group for group in without)


def test_a_new_group_is_named_from_its_display_name(scim, org):
    created = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Leadership EMEA", "externalId": "g1",
                                    "members": [{"value": str(org["sam"].id)}]})
    assert created.status_code == 201, created.get_json()
    group = db.session.scalars(sa.select(Group).where(Group.label == "Leadership EMEA")).one()
    assert (group.name, group.external_id, [p.username for p in group.members]) == ("leadership-emea", "g1", ["sam"])
    taken = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "leadership emea"})
    assert_scim_error(taken, 409, "uniqueness", "already exists")


def test_members_change_by_patch_and_put(scim, org):
    leadership = group_id(scim, "Leadership")
    newcomers = [{"value": str(org["sol"].id)}, {"value": str(org["sam"].id)}]
    added = scim.patch(f"/Groups/{leadership}", {"op": "add", "path": "members", "value": newcomers})
    assert added.status_code == 204, added.get_json()
    removed = scim.patch(f"/Groups/{leadership}", {"op": "remove", "path": f'members[value eq "{org["leo"].id}"]'})
    assert removed.status_code == 204
    db.session.expire_all()
    assert sorted(p.username for p in db.session.get(Group, int(leadership)).members) == ["sam", "sol"]
    replaced = scim.put(f"/Groups/{leadership}", {"schemas": [GROUP_SCHEMA], "displayName": "Leadership team",
                                                  "members": [{"value": str(org["leo"].id)}]})
    assert replaced.status_code == 200
    db.session.expire_all()
    group = db.session.get(Group, int(leadership))
    assert (group.name, group.label, [p.username for p in group.members]) == ("leadership", "Leadership team", ["leo"])


def test_members_removed_as_microsoft_entra_sends_it(scim, org):
    """Entra removes a member with `"path": "members"` and the member as the value."""
    leadership = group_id(scim, "Leadership")
    response = scim.patch(f"/Groups/{leadership}", {"op": "Remove", "path": "members",
                                                    "value": [{"value": str(org["leo"].id)}]})
    assert response.status_code == 204, response.get_json()
    db.session.expire_all()
    assert db.session.get(Group, int(leadership)).members == []


def test_a_member_must_be_a_person_of_the_directory(scim, org):
    leadership = group_id(scim, "Leadership")
    unknown = scim.patch(f"/Groups/{leadership}", {"op": "add", "path": "members", "value": [{"value": "999999"}]})
    assert_scim_error(unknown, 400, "invalidValue", "not a User")
    nested = scim.patch(f"/Groups/{leadership}", {"op": "add", "path": "members",
                                                  "value": [{"value": leadership, "type": "Group"}]})
    assert_scim_error(nested, 400, "invalidValue", "people only")


def test_the_administrators_keep_an_active_member(scim, org):
    admins = group_id(scim, "Administrators")
    emptied = scim.patch(f"/Groups/{admins}", {"op": "remove", "path": "members"})
    assert_scim_error(emptied, 409, says="active administrator")
    assert "admins" in person("hana").group_names


def test_deleting_groups(scim, org):
    created = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Reviewers"}).get_json()
    assert scim.delete(f"/Groups/{created['id']}").status_code == 204
    assert_scim_error(scim.get(f"/Groups/{created['id']}"), 404)
    assert_scim_error(scim.delete(f"/Groups/{group_id(scim, 'HR')}"), 403, says="carries a role")


# ---- what is not served -------------------------------------------------------------------------------------

def test_what_is_not_served_says_so(scim, client):
    assert_scim_error(scim.post("/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                                          "Operations": []}), 501)
    assert_scim_error(scim.get("/Me"), 501)
    assert_scim_error(scim.get("/"), 501, says="search /Users or /Groups")
    assert_scim_error(scim.get("/Users/1/more"), 404)
    assert_scim_error(scim.call("PATCH", "/Users", {}), 405)


def test_errors_before_any_view_are_in_scims_shape_too(scim):
    """A NUL character, or JSON nested too deep, is refused before SCIM reads it: still a SCIM error."""
    assert_scim_error(scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a\x00b"}), 400, says="NUL")
    deep = {"schemas": [USER_SCHEMA], "userName": "ada"}
    for _ in range(80):
        deep = {"x": deep}
    assert_scim_error(scim.post("/Users", deep), 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
