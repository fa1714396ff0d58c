"""Nothing typed is lost: comments posted from a task page keep the form's answers (with and without the page's
script), forms shown again after a mistake keep every choice, and a cohort shows a path its member started
herself."""
import re
from datetime import date, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from engine.store.pilot_models import Cohort
from engine.store.models import Comment
from web.extensions import db

from ..helpers import OBJECTIVES

TODAY = date.today()
JSON = {"Accept": "application/json"}


def _field_value(page, dom_id):
    match = re.search(rf'<(?:input|textarea)[^>]*id="{dom_id}"[^>]*?(?:value="([^"]*)"[^>]*)?>([^<]*)', page)
    return match and (match.group(1) if match.group(1) is not None else match.group(2))


def test_a_comment_posted_with_the_form_brings_the_typed_answers_back(act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    typed = MultiDict({"career_goals": "Lead the platform team", "target_role": "Staff Engineer",
                       "_comment": "Can we meet on Friday?"})
    response = act.as_("ada").post(f"/tasks/{task.id}/comments", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your comment is posted" in page and "Can we meet on Friday?" in page
    assert _field_value(page, "f-career_goals") == "Lead the platform team"
    assert _field_value(page, "f-target_role") == "Staff Engineer"
    assert re.search(r'<textarea id="comment-body"[^>]*>\s*</textarea>', page)  # the box is empty again
    assert db.session.scalars(sa.select(Comment)).one().human_task_id == task.id
    db.session.expire_all()
    assert act.task(instance, "career_objectives_meeting").status == "open"  # nothing was completed


def test_an_empty_comment_is_refused_and_keeps_the_answers(act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    response = act.as_("ada").post(f"/tasks/{task.id}/comments",
                                   data={"career_goals": "Lead the platform team", "_comment": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write something before posting the comment." in page
    assert _field_value(page, "f-career_goals") == "Lead the platform team"
    assert db.session.scalars(sa.select(Comment)).all() == []


def test_the_page_script_posts_a_comment_and_gets_the_list_back(act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    response = act.as_("ada").post(f"/tasks/{task.id}/comments", data={"_comment": "First **note**"}, headers=JSON)
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["count"] == 1 and "<strong>note</strong>" in answer["html"] and "Ada Lovelace" in answer["html"]
    refused = act.as_("ada").post(f"/tasks/{task.id}/comments", data={"_comment": ""}, headers=JSON)
    assert refused.status_code == 422 and refused.get_json()["message"] == "Write something before posting the comment."
    on_path = act.as_("mia").post(f"/paths/{instance.id}/comments", data={"body": "From the path page"}, headers=JSON)
    assert on_path.status_code == 201 and on_path.get_json()["count"] == 2
    assert "on “Career objectives meeting”" in on_path.get_json()["html"]


def test_a_comment_written_but_not_posted_goes_along_when_the_task_is_completed(act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    response = act.submit("ada", task, dict(OBJECTIVES, _comment="Notes from our meeting"))
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Comment)).one().body == "Notes from our meeting"


def test_a_validation_error_keeps_a_comment_being_written(act):
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    response = act.submit("ada", task, {"career_goals": "Lead", "_comment": "Half-written thought"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Half-written thought</textarea>" in page and _field_value(page, "f-career_goals") == "Lead"
    assert db.session.scalars(sa.select(Comment)).all() == []


def test_the_cohort_form_keeps_every_choice_after_a_mistake(act):
    response = act.as_("hana").post("/pilot/cohorts/new", data=MultiDict([
        ("name", ""), ("description", "Round one"), ("opens_on", TODAY.isoformat()), ("closes_on", ""),
        ("version", "career_pathing:1"), ("people", "sam"), ("people", "sol"), ("department", "Sales"),
        ("manager", "mia")]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<option value="mia" selected>Mia Hoffmann</option>', page)
    assert re.search(r'<option value="sam" selected>Sam Patel', page) and re.search(r'<option value="sol" selected>', page)
    assert "<option selected>Sales</option>" in page
    assert re.search(r'<option value="career_pathing:1" selected>', page)
    assert not re.search(r'<option value="career_pathing:newest" selected', page)
    assert "Round one</textarea>" in page


def test_a_member_whose_path_runs_already_shows_it_in_the_cohort(act):
    instance = act.start_path("ada")  # she started it herself, before any cohort
    response = act.as_("hana").post("/pilot/cohorts/new", data={
        "name": "Pilot 1", "opens_on": TODAY.isoformat(), "closes_on": (TODAY + timedelta(days=30)).isoformat(),
        "version": "career_pathing:newest", "manager": "mia"})
    assert response.status_code == 302
    cohort = db.session.scalars(sa.select(Cohort)).one()
    page = act.as_("hana").get(f"/pilot/cohorts/{cohort.id}").get_data(as_text=True)
    ada_row = next(row for row in page.split("<tr>") if "Ada Lovelace" in row)
    assert "not started" not in ada_row and f"#{instance.id}</a>" in ada_row and "running" in ada_row
    assert "Career objectives meeting" in ada_row
    assert "1 of 2 started" in page
    started = act.as_("hana").post(f"/pilot/cohorts/{cohort.id}/start", follow_redirects=True).get_data(as_text=True)
    assert "1 path started" in started
    db.session.expire_all()
    assert db.session.get(type(instance), instance.id).cohort_id == cohort.id


def test_a_path_running_in_another_cohort_is_shown_not_taken(act):
    ask = {"opens_on": TODAY.isoformat(), "closes_on": (TODAY + timedelta(days=30)).isoformat(),
           "version": "career_pathing:newest", "people": "ada"}
    act.as_("hana").post("/pilot/cohorts/new", data=dict(ask, name="First"))
    first = db.session.scalars(sa.select(Cohort).where(Cohort.name == "First")).one()
    act.as_("hana").post(f"/pilot/cohorts/{first.id}/start")
    act.as_("hana").post("/pilot/cohorts/new", data=dict(ask, name="Second"))
    second = db.session.scalars(sa.select(Cohort).where(Cohort.name == "Second")).one()
    page = act.as_("hana").get(f"/pilot/cohorts/{second.id}").get_data(as_text=True)
    ada_row = next(row for row in page.split("<tr>") if "Ada Lovelace" in row)
    assert "not started here;" in ada_row and "running" in ada_row


def test_the_person_form_keeps_every_value_and_says_to_retype_the_password(act):
    response = act.as_("hana").post("/admin/users/new", data=MultiDict([
        ("username", "ada"), ("name", "Zoe Chen"), ("email", "zoe@example.com"), ("department", "Engineering"),
        ("job_title", "Engineer"), ("manager", "mia"), ("groups", "hr"), ("password", "a-long-password")]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for dom_id, value in (("name", "Zoe Chen"), ("email", "zoe@example.com"), ("department", "Engineering"),
                          ("job_title", "Engineer")):
        assert _field_value(page, dom_id) == value
    assert re.search(r'<option selected value="mia">|<option value="mia" selected>', page)
    assert re.search(r'<input checked[^>]*value="hr"|<input[^>]*value="hr"[^>]*checked', page)
    assert "the password you typed is not shown again" in page


def test_the_token_form_and_the_absence_form_keep_what_was_typed(act):
    token = act.as_("hana").post("/processes/tokens", data={"name": "x" * 201})
    assert token.status_code == 400 and 'value="' + "x" * 201 + '"' in token.get_data(as_text=True)
    absence = act.as_("ada").post("/settings/absences", data={
        "starts_on": "2027-01-10", "ends_on": "2027-01-05", "substitute": "ben", "note": "Skiing"})
    page = absence.get_data(as_text=True)
    assert absence.status_code == 422 and "The last day cannot be before the first day." in page
    assert 'value="2027-01-10"' in page and 'value="2027-01-05"' in page and 'value="Skiing"' in page
    assert re.search(r'<option value="ben" selected>', page)
