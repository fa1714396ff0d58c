"""The whole career path through HTTP, each role doing its part."""
from engine.store.models import ProcessInstance
from web.extensions import db

from engine.runtime.runner import Runtime

from ..helpers import JOB_DESCRIPTION, OBJECTIVES, REVIEW, finish_after_approval, run_to_leadership


def test_career_path_from_start_to_completion(act):
    instance = act.start_path("ada")
    assert instance.employee.username == "ada"
    assert [t.element_id for t in act.open_tasks(instance)] == ["career_objectives_meeting"]

    run_to_leadership(act, instance)

    approval = act.task(instance, "leadership_approval")
    assert approval.assignee_id is None and approval.candidate_groups == ["leadership"]
    act.complete("leo", instance, "leadership_approval", leadership_decision="approve", leadership_comments="Go")

    # After approval: one tracked milestone per milestone, plus HR's pilot observation.
    reports = act.open_tasks(instance, "report_completion")
    assert len(reports) == 2
    assert {t.due_at.date().isoformat() for t in reports} == {"2027-03-01", "2027-06-01"}
    feedback = {t.element_id: t.assignee.username for t in act.open_tasks(instance)
                if t.element_id.endswith("_feedback")}
    assert feedback == {"employee_feedback": "ada", "manager_feedback": "mia"}
    finish_after_approval(act, instance)

    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.status == "completed" and instance.ended_at is not None
    assert act.open_tasks(instance) == []
    kinds = [event.kind for event in act.events(instance)]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    assert kinds.count("task_completed") == 18
    # each milestone came back from its milestone process with the result recorded
    # (finished history is pruned from the stored state; the final data is the last completed task's)
    final = Runtime(db.session).current_data(instance)
    assert [m["status"] for m in final["milestones"]] == ["done", "done"]
    assert {m["recognition_note"] for m in final["milestones"]} == {"Well done"}
    assert final["approval_round"] == 1


def test_stakeholder_answers_are_kept_per_stakeholder(act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", instance, "draft_job_description", **JOB_DESCRIPTION)
    act.complete("mia", instance, "select_stakeholders", stakeholders=["sam", "sol"])
    reviews = act.open_tasks(instance, "stakeholder_review")
    assert sorted(t.assignee.username for t in reviews) == ["sam", "sol"]
    for task in reviews:
        name = task.assignee.username
        assert act.submit(name, task, dict(REVIEW, feedback=f"from {name}")).status_code == 302
    alignment = act.task(instance, "alignment_meeting")
    data = Runtime(db.session).task_data(alignment)
    assert sorted(r["feedback"] for r in data["stakeholder_reviews"]) == ["from sam", "from sol"]
    page = act.as_("mia").get(f"/tasks/{alignment.id}").get_data(as_text=True)
    assert "from sam" in page and "from sol" in page
    # two people answering in parallel are not two versions of one document
    assert "Versions" not in act.as_("mia").get(f"/paths/{instance.id}").get_data(as_text=True)


def test_each_role_sees_the_task_in_their_inbox(act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting",
                 meeting_date="2026-11-20", career_goals="Lead the platform team one day",
                 five_year_vision="Yes", target_role="Staff Engineer")
    act.complete("ada", instance, "draft_job_description", jd_title="Staff Engineer", jd_level="senior",
                 jd_purpose="p", jd_responsibilities="r", jd_required_skills="s")
    link = f'href="/tasks/{act.task(instance, "select_stakeholders").id}"'
    inbox = act.as_("mia").get("/").get_data(as_text=True)
    assert link in inbox and "Ada Lovelace" in inbox
    assert link not in act.as_("ada").get("/").get_data(as_text=True)
    assert link not in act.as_("leo").get("/").get_data(as_text=True)


def test_task_page_shows_form_and_context(act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting",
                 meeting_date="2026-11-20", career_goals="Lead the platform team one day",
                 five_year_vision="Yes, as staff engineer", target_role="Staff Engineer")
    task = act.task(instance, "draft_job_description")
    page = act.as_("ada").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="jd_title"' in page and "Role title" in page
    assert "The path so far" in page and "Lead the platform team one day" in page
    assert "due" in page  # the 7-day due date is shown
    assert task.due_at is not None and (task.due_at - task.created_at).days == 7


def test_start_button_opens_the_running_path_instead_of_a_second_one(act):
    first = act.start_path("ada")
    inbox = act.as_("ada").get("/").get_data(as_text=True)
    assert "Open my career path" in inbox and "Start my career path" not in inbox
    response = act.as_("ada").post("/paths/start")
    assert response.headers["Location"] == f"/paths/{first.id}"
    assert len(act.events(first, "started")) == 1


def test_people_and_groups_are_named_not_listed_by_username(act):
    """Pages say "Sam Patel", "the Leadership group", "Ada Lovelace": never "sam, sol", "offered to hr" or "ada (#1)"."""
    from ..helpers import run_to_leadership
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    path_page = act.as_("ada").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "Sam Patel, Sol Rivera" in path_page and "sam, sol" not in path_page
    assert "offered to the Leadership group" in path_page
    inbox = act.as_("leo").get("/").get_data(as_text=True)
    assert "offered to the Leadership group" in inbox and "group: leadership" not in inbox
    assert ">Ada Lovelace</option>" in inbox and "(#" not in inbox
    task = act.task(instance, "leadership_approval")
    assert "is offered to <strong>the Leadership group</strong>" in act.as_("leo").get(f"/tasks/{task.id}").get_data(
        as_text=True)
    assert any("waiting for the Leadership group" in e.message for e in act.events(instance, "task_created"))
