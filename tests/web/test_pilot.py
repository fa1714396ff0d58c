"""HR runs the pilot: cohorts, the skills framework (CSV import too), milestones and recognition, feedback,
analytics and exports."""
import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from engine.store.pilot_models import Cohort, JobFamily, Milestone, Role, RoleSkill, Skill
from engine.store.models import HumanTask, ProcessInstance
from engine.runtime.runner import Runtime
from web.extensions import db

from ..helpers import (ALIGNMENT, CAREER_PATH, FEEDBACK, JOB_DESCRIPTION, OBJECTIVES, PATH_REVIEW, REVIEW,
                       finish_after_approval, run_to_leadership)

TODAY = date.today()


def new_cohort(act, **extra):
    data = {"name": "Pilot 1", "opens_on": (TODAY - timedelta(days=1)).isoformat(),
            "closes_on": (TODAY + timedelta(days=30)).isoformat(), "version": "career_pathing:newest"}
    data.update(extra)
    return act.as_("hana").post("/pilot/cohorts/new", data=data)


def test_only_hr_gets_into_the_pilot_pages(act):
    assert act.as_("hana").get("/pilot/").status_code == 200
    for user in ("ada", "mia", "leo"):
        assert act.as_(user).get("/pilot/").status_code == 403
        assert act.as_(user).get("/pilot/exports/paths.csv").status_code == 403


def test_cohort_by_manager_starts_all_paths_in_one_action(act):
    response = new_cohort(act, manager="mia", people=["sam"])
    assert response.status_code == 302
    cohort = db.session.scalars(sa.select(Cohort)).one()
    assert sorted(m.user.username for m in cohort.members) == ["ada", "ben", "sam"]
    started = act.as_("hana").post(f"/pilot/cohorts/{cohort.id}/start")
    assert started.status_code == 302
    page = act.as_("hana").get(f"/pilot/cohorts/{cohort.id}").get_data(as_text=True)
    assert "3 paths started" in page and "3 of 3 started" in page and "Career objectives meeting" in page
    db.session.expire_all()
    instances = db.session.scalars(sa.select(ProcessInstance)).all()
    assert sorted(i.employee.username for i in instances) == ["ada", "ben", "sam"]
    assert {i.cohort_id for i in instances} == {cohort.id} and {i.started_by.username for i in instances} == {"hana"}
    again = act.as_("hana").post(f"/pilot/cohorts/{cohort.id}/start", follow_redirects=True).get_data(as_text=True)
    assert "0 paths started" in again and "already has path" in again


def test_cohort_form_errors_name_the_fields_and_save_nothing(act):
    response = new_cohort(act, name="", closes_on=(TODAY - timedelta(days=5)).isoformat(), version="nope:1")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the cohort a name" in page and "cannot close before it opens" in page
    assert "Choose a deployed process version" in page and "Choose at least one person" in page
    assert db.session.scalars(sa.select(Cohort)).all() == []


def test_when_a_cohort_is_required_only_members_of_an_open_cohort_start(act, app, monkeypatch):
    monkeypatch.setitem(app.config, "PATHING_REQUIRE_COHORT", True)
    refused = act.as_("ada").post("/paths/start")
    assert refused.status_code == 403 and "not in an open pilot cohort" in refused.get_data(as_text=True)
    api = act.as_("ben").post("/api/v1/process-instances", json={"process_key": "career_pathing"})
    assert api.status_code == 403
    new_cohort(act, people=["ada"])
    assert act.as_("ada").post("/paths/start").status_code == 302
    instance = db.session.scalars(sa.select(ProcessInstance)).one()
    cohort = db.session.scalars(sa.select(Cohort)).one()
    assert instance.cohort_id == cohort.id and cohort.members[0].instance_id == instance.id


CSV_OK = """job_family,role,skill,required_level,skill_description
Engineering,Staff Engineer,System design,5,Designs systems across teams
Engineering,Staff Engineer,Mentoring,4,
Engineering,Software Engineer,System design,3,
Sales,Account Executive,Negotiation,4,Closes deals
"""


def upload_csv(client, text, name="skills.csv"):
    data = {"file": (io.BytesIO(text.encode("utf-8") if isinstance(text, str) else text), name)}
    return client.post("/pilot/skills/import", data=data, content_type="multipart/form-data")


def previewed_csv(page):
    """The CSV text the preview page carries to its Import button."""
    import html
    return html.unescape(page.split('name="csv_text" hidden aria-hidden="true">')[1].split("</textarea>")[0])


def test_skills_csv_import_previews_then_imports(act):
    hana = act.as_("hana")
    preview = upload_csv(hana, CSV_OK)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Preview: 4 rows to import" in page
    assert db.session.scalars(sa.select(RoleSkill)).all() == []  # a preview changes nothing
    applied = hana.post("/pilot/skills/import/apply", data={"csv_text": previewed_csv(page)})
    assert applied.status_code == 302
    db.session.expire_all()
    staff = db.session.scalars(sa.select(Role).where(Role.title == "Staff Engineer")).one()
    assert {(r.skill.name, r.required_level) for r in staff.requirements} == {("System design", 5), ("Mentoring", 4)}
    assert sorted(f.name for f in db.session.scalars(sa.select(JobFamily))) == ["Engineering", "Sales"]
    assert "Designs systems across teams" in hana.get("/pilot/skills").get_data(as_text=True)


@pytest.mark.parametrize("text, expected", [
    ("", ["Line 1: the file is empty"]),
    ("family,role,skill\nx,y,z\n", ["Line 1: the first line must name the columns job_family, role, skill, "
                                    "required_level (missing: job_family, required_level)"]),
    ("job_family,role,skill,required_level\n", ["Line 2: the file has no rows after the column names"]),
    (CSV_OK + "Engineering,,Testing,3\nEngineering,QA Lead,Testing,9\nEngineering,Staff Engineer,Mentoring,2\n",
     ["Line 6: role is empty", "Line 7: required_level must be a whole number from 1 to 5, not &#39;9&#39;",
      "Line 8: the role &#39;Staff Engineer&#39; already lists &#39;Mentoring&#39; on line 3"]),
])
def test_bad_skills_files_list_every_problem_by_line_and_change_nothing(act, text, expected):
    response = upload_csv(act.as_("hana"), text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was imported" in page
    for message in expected:
        assert message in page, message
    assert db.session.scalars(sa.select(Skill)).all() == []


def test_a_file_that_is_not_utf8_is_refused(act):
    response = upload_csv(act.as_("hana"), "job_family,role,skill,required_level\nÉquipe,Rôle,Compétence,3\n".encode(
        "latin-1"))
    assert response.status_code == 422 and "not UTF-8" in response.get_data(as_text=True)


def test_a_requirement_added_by_hand_and_removed(act):
    hana = act.as_("hana")
    response = hana.post("/pilot/skills/requirements", data={"job_family": "Engineering", "role": "Staff Engineer",
                                                             "skill": "Mentoring", "required_level": "4"})
    assert response.status_code == 302
    bad = hana.post("/pilot/skills/requirements", data={"job_family": "Engineering", "role": "Staff Engineer",
                                                        "skill": "Mentoring", "required_level": "7"})
    assert bad.status_code == 422 and "whole number from 1 to 5" in bad.get_data(as_text=True)
    requirement = db.session.scalars(sa.select(RoleSkill)).one()
    assert requirement.required_level == 4
    hana.post(f"/pilot/skills/requirements/{requirement.role_id}/{requirement.skill_id}/delete")
    assert db.session.scalars(sa.select(RoleSkill)).all() == []


def through_skills(act, instance):
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", instance, "draft_job_description", **JOB_DESCRIPTION)
    act.complete("mia", instance, "select_stakeholders", stakeholders=["sam"], review_focus="Fit")
    act.complete("sam", instance, "stakeholder_review", **REVIEW)
    act.complete("mia", instance, "alignment_meeting", **ALIGNMENT)
    act.complete("ada", instance, "confirm_job_description", jd_decision="accept")


def test_the_skills_step_shows_the_target_roles_skills_and_the_gap(act):
    upload = upload_csv(act.as_("hana"), CSV_OK).get_data(as_text=True)
    act.as_("hana").post("/pilot/skills/import/apply", data={"csv_text": previewed_csv(upload)})
    instance = act.start_path("ada")
    through_skills(act, instance)
    task = act.task(instance, "skills_evaluation")
    page = act.as_("ada").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'value="System design"' in page and 'value="Mentoring"' in page  # prefilled from the framework
    act.complete("ada", instance, "skills_evaluation", current_skills="Python", performance_summary="Good",
                 development_suggestions="Course", development_kinds=["training"],
                 skill_gaps=[{"skill": "System design", "current_level": "3", "required_level": "5",
                              "development": "Architecture course"},
                             {"skill": "Mentoring", "current_level": "4", "required_level": "4"}])
    path = act.as_("ada").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "Skills and gaps" in path and "<strong>2</strong>" in path and "Architecture course" in path
    db.session.refresh(instance)
    gaps = Runtime(db.session).current_data(instance)["skill_gaps"]
    assert [(g["skill"], g["gap"]) for g in gaps] == [("System design", 2), ("Mentoring", 0)]


def test_milestones_are_tracked_recognised_and_logged(act):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    act.complete("leo", instance, "leadership_approval", leadership_decision="approve", leadership_comments="Go")
    milestones = db.session.scalars(sa.select(Milestone).order_by(Milestone.number)).all()
    assert [(m.number, m.title, m.status, m.due_on.isoformat()) for m in milestones] == [
        (1, "Architecture course", "planned", "2027-03-01"), (2, "Lead a design review", "planned", "2027-06-01")]
    assert milestones[0].shown_status(date(2027, 3, 2)) == "overdue"
    report = act.open_tasks(instance, "report_completion")[0]
    assert act.submit("ada", report, {"completion_note": "Certificate earned",
                                      "evidence_link": "https://example.com/cert"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalars(sa.select(Milestone.status).order_by(Milestone.number)).all() == [
        "in progress", "planned"]
    finish_after_approval(act, instance)
    db.session.expire_all()
    done = db.session.scalars(sa.select(Milestone).order_by(Milestone.number)).all()
    assert [(m.status, m.recognition_kind, m.recognized_by.username) for m in done] == [
        ("done", "note", "mia"), ("done", "note", "mia")]
    path = act.as_("ada").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "Milestones" in path and "Well done" in path and 'status-done' in path
    log = act.as_("hana").get("/pilot/recognition").get_data(as_text=True)
    assert log.count("Well done") == 2 and "Mia Hoffmann" in log


def cohort_at_leadership(act):
    """A cohort of ada and ben, both paths started by HR; ada's path taken to the leadership approval."""
    new_cohort(act, people=["ada", "ben"])
    cohort = db.session.scalars(sa.select(Cohort)).one()
    act.as_("hana").post(f"/pilot/cohorts/{cohort.id}/start")
    ada_path = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.business_key == "ada")).one()
    run_to_leadership(act, ada_path)
    return cohort, ada_path


def test_pilot_feedback_at_the_end_and_when_hr_asks_is_shown_per_cohort(act):
    cohort, ada_path = cohort_at_leadership(act)
    act.complete("leo", ada_path, "leadership_approval", leadership_decision="approve", leadership_comments="Go")
    act.complete("ada", ada_path, "employee_feedback", **FEEDBACK)
    act.complete("mia", ada_path, "manager_feedback", **dict(FEEDBACK, pilot_improvements="Fewer meetings"))
    assert act.as_("hana").post(f"/pilot/cohorts/{cohort.id}/ask-feedback").status_code == 302
    ben_feedback = db.session.scalars(sa.select(HumanTask).join(ProcessInstance).where(
        ProcessInstance.business_key == "ben", HumanTask.form_ref == "pilot-feedback",
        HumanTask.status == "open")).all()
    assert sorted(t.assignee.username for t in ben_feedback) == ["ben", "mia"]
    task = next(t for t in ben_feedback if t.assignee.username == "ben")
    assert act.submit("ben", task, dict(FEEDBACK, pilot_improvements="Clearer milestones")).status_code == 302
    page = act.as_("hana").get(f"/pilot/cohorts/{cohort.id}/feedback").get_data(as_text=True)
    assert "Fewer meetings" in page and "Clearer milestones" in page and "Shorter forms" in page


def test_analytics_and_exports(act):
    cohort, ada_path = cohort_at_leadership(act)
    act.complete("leo", ada_path, "leadership_approval", leadership_decision="modify",
                 leadership_comments="More detail")
    act.complete("mia", ada_path, "draft_career_path", **CAREER_PATH)
    act.complete("ada", ada_path, "review_career_path", **PATH_REVIEW)
    act.complete("leo", ada_path, "leadership_approval", leadership_decision="approve", leadership_comments="Go")
    page = act.as_("hana").get("/pilot/analytics").get_data(as_text=True)
    assert "chart.umd.js" in page and 'id="chart-cohorts"' in page
    # the step picker shows step names, the value is the element
    assert '<option value="leadership_approval" selected>Leadership approval</option>' in page
    assert ">leadership_approval<" not in page
    import json
    data = json.loads(page.split('id="analytics-data">')[1].split("</script>")[0])
    [pilot] = [c for c in data["cohorts"] if c["cohort"] == "Pilot 1"]
    assert (pilot["started"], pilot["in_progress"], pilot["approved"]) == (2, 2, 1)
    assert {"rounds": 2, "paths": 1} in data["rounds"]
    assert any(s["step"] == "Leadership approval" and s["count"] == 2 for s in data["steps"])
    assert {"month": "2027-03", "due": 1, "done": 0} in data["milestones"]

    paths = list(csv.reader(io.StringIO(act.as_("hana").get(f"/pilot/exports/paths.csv?cohort={cohort.id}")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert paths[0][:3] == ["path", "employee", "name"] and sorted(r[1] for r in paths[1:]) == ["ada", "ben"]
    tasks = list(csv.reader(io.StringIO(act.as_("hana").get(f"/pilot/exports/tasks.csv?cohort={cohort.id}")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    done = [r for r in tasks[1:] if r[5] == "completed"]
    assert done and all(r[12] != "" for r in done) and tasks[0][-1] == "hours"
    milestones = list(csv.reader(io.StringIO(act.as_("hana").get("/pilot/exports/milestones.csv?status=running")
                                             .get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[4] for r in milestones[1:]] == ["Architecture course", "Lead a design review"]
    printable = act.as_("ada").get(f"/paths/{ada_path.id}/print").get_data(as_text=True)
    assert "Career path: Ada Lovelace" in printable and "Decisions" in printable and "round 2" in printable
    assert "Architecture course" in printable and "@media print" in act.as_("ada").get("/static/app.css").get_data(
        as_text=True)
