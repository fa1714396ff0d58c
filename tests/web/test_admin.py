"""Admins keep the org directory: people, managers, groups, accounts."""
import sqlalchemy as sa

from engine.store.models import User
from web.extensions import db


def person(username):
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).first()


def test_admin_adds_a_person_who_can_then_log_in_and_start_a_path(act):
    hana = act.as_("hana")
    response = hana.post("/admin/users/new", data={
        "username": "zoe", "name": "Zoe Chen", "email": "zoe@example.com", "department": "Engineering",
        "job_title": "Engineer", "manager": "mia", "groups": [], "active": "y", "password": "a-long-password"})
    assert response.status_code == 302
    zoe = person("zoe")
    assert zoe.manager.username == "mia" and zoe.department == "Engineering" and zoe.active
    login = act.app.test_client().post("/login", data={"username": "zoe", "password": "a-long-password"})
    assert login.status_code == 302
    assert "Zoe Chen" in hana.get("/admin/users?q=zoe").get_data(as_text=True)


def test_bad_input_is_shown_next_to_the_field_and_saves_nothing(act):
    hana = act.as_("hana")
    response = hana.post("/admin/users/new", data={"username": "Bad Name!", "name": "", "email": "nope",
                                                   "manager": "", "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use lower-case letters" in page and "Invalid email address" in page and "at least 8" in page.lower()
    taken = hana.post("/admin/users/new", data={"username": "ada", "name": "Another Ada", "manager": ""})
    assert "This username is taken." in taken.get_data(as_text=True)
    assert person("bad name!") is None


def test_reporting_loops_and_removing_your_own_admin_rights_are_refused(act):
    hana = act.as_("hana")
    mia = person("mia")
    loop = hana.post(f"/admin/users/{mia.id}", data={"username": "mia", "name": "Mia Hoffmann", "manager": "ada",
                                                     "active": "y"})
    assert loop.status_code == 422 and "reporting loop" in loop.get_data(as_text=True)
    assert person("mia").manager_id is None
    me = person("hana")
    demote = hana.post(f"/admin/users/{me.id}", data={"username": "hana", "name": "Hana Kim", "manager": "",
                                                      "groups": ["hr"], "active": "y"})
    assert demote.status_code == 422 and "cannot remove your own admin rights" in demote.get_data(as_text=True)
    assert "admins" in person("hana").group_names
    moved = hana.post(f"/admin/users/{person('ben').id}", data={"username": "ben", "name": "Ben Okafor",
                                                                "manager": "leo", "active": "y"})
    assert moved.status_code == 302 and person("ben").manager.username == "leo"
