"""The directory's provisioning services: the doors for leavers (deactivate_person) and movers
(change_manager), deprovisioning that keeps history, groups, and provisioning tokens."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from engine.people import provisioning
from engine.errors import ValidationFailed
from engine.store.models import Group, User
from engine.people.provisioning import PersonDetails
from web.extensions import db

NOW = datetime(2030, 1, 2, 9, 0)


def test_provision_a_person_then_update_them(org):
    ada = provisioning.provision_person(db.session, PersonDetails(username=" grace ", name="Grace Hopper",
                                                                  email="grace@example.com"),
                                        manager=org["mia"], now=NOW)
    assert (ada.username, ada.name, ada.manager, ada.active, ada.created_at, ada.updated_at) == (
        "grace", "Grace Hopper", org["mia"], True, NOW, NOW)
    provisioning.update_person(db.session, ada, PersonDetails(username="grace", name="Grace B. Hopper",
                                                              department=""), active=True, manager=None)
    assert (ada.name, ada.department, ada.manager, ada.email) == ("Grace B. Hopper", None, None, None)
    with pytest.raises(provisioning.UsernameTaken):
        provisioning.provision_person(db.session, PersonDetails(username="GRACE", name="Another"))


def test_deactivate_person_ends_sessions_once(org):
    ada = org["ada"]
    version = ada.session_version
    assert provisioning.deactivate_person(db.session, ada, now=NOW) is True
    assert (ada.active, ada.session_version, ada.updated_at) == (False, version + 1, NOW)
    assert provisioning.deactivate_person(db.session, ada) is False  # already a leaver: nothing more happens
    assert provisioning.reactivate_person(db.session, ada) is True and ada.active


def test_the_only_active_administrator_stays(org):
    with pytest.raises(provisioning.LastAdministrator):
        provisioning.deactivate_person(db.session, org["hana"])
    admins = db.session.scalars(sa.select(Group).where(Group.name == "admins")).one()
    with pytest.raises(provisioning.LastAdministrator):
        provisioning.set_group_members(db.session, admins, [])
    provisioning.set_group_members(db.session, admins, [org["hana"], org["mia"]])
    assert provisioning.deactivate_person(db.session, org["hana"]) is True  # Mia is an administrator now


def test_change_manager_refuses_reporting_loops(org):
    assert provisioning.change_manager(db.session, org["mia"], org["mia"].manager) is False
    with pytest.raises(ValidationFailed, match="reporting loop"):
        provisioning.change_manager(db.session, org["mia"], org["ada"])  # Ada reports to Mia
    with pytest.raises(ValidationFailed, match="reporting loop"):
        provisioning.change_manager(db.session, org["ada"], org["ada"])
    assert provisioning.change_manager(db.session, org["ada"], org["sam"], now=NOW) is True
    assert (org["ada"].manager, org["ada"].updated_at) == (org["sam"], NOW)


def test_deprovisioning_keeps_the_row_and_the_same_username_brings_it_back(org):
    leo = org["leo"]
    provisioning.deprovision_person(db.session, leo, now=NOW)
    assert (leo.active, leo.deprovisioned_at, leo.groups) == (False, NOW, [])
    assert provisioning.find_person(db.session, leo.id) is None
    assert leo.id not in db.session.scalars(provisioning.visible_people().with_only_columns(User.id)).all()
    back = provisioning.provision_person(db.session, PersonDetails(username="Leo", name="Leo Martin"))
    assert back is leo and leo.active and leo.deprovisioned_at is None


def test_group_names_come_from_labels(org):
    assert provisioning.group_name_for("Leadership EMEA") == "leadership-emea"
    assert provisioning.group_name_for("Équipe RH / Paris") == "equipe-rh-paris"
    assert provisioning.group_name_for("???") == "group"
    group = provisioning.create_group(db.session, "Reviewers", members=[org["sam"]], now=NOW)
    assert (group.name, group.members, group.created_at) == ("reviewers", [org["sam"]], NOW)
    with pytest.raises(provisioning.GroupNameTaken):
        provisioning.create_group(db.session, "reviewers")
    hr = db.session.scalars(sa.select(Group).where(Group.name == "hr")).one()
    with pytest.raises(provisioning.RoleGroupKept):
        provisioning.delete_group(db.session, hr)
    provisioning.delete_group(db.session, group)
    assert db.session.get(Group, group.id) is None


def test_provisioning_tokens_are_kept_hashed_and_revocable(org):
    row, token = provisioning.make_provisioning_token(db.session, "Okta", created_by=org["hana"])
    assert token.startswith("scim_") and row.token_hash == provisioning.token_hash(token) != token
    assert provisioning.provisioning_token_for(db.session, token) is row
    assert provisioning.provisioning_token_for(db.session, token + "x") is None
    assert provisioning.revoke_provisioning_token(db.session, row, now=NOW) is True
    assert provisioning.provisioning_token_for(db.session, token) is None
    assert provisioning.revoke_provisioning_token(db.session, row) is False
    with pytest.raises(ValidationFailed):
        provisioning.make_provisioning_token(db.session, " ")
