"""The job-description modify loop and the leadership revise-and-resubmit loop."""
import json

from engine.store.models import ProcessInstance
from engine.runtime.runner import Runtime
from web.extensions import db

from ..helpers import (ALIGNMENT, JOB_DESCRIPTION, OBJECTIVES, PATH_REVIEW, REVIEW, SKILLS, CAREER_PATH,
                       run_to_leadership)


def review_all(act, instance, **answers):
    for task in act.open_tasks(instance, "stakeholder_review"):
        assert act.submit(task.assignee.username, task, dict(REVIEW, **answers)).status_code == 302


def test_modifying_the_job_description_loops_back_and_keeps_every_version(act):
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", instance, "draft_job_description", **JOB_DESCRIPTION)
    act.complete("mia", instance, "select_stakeholders", stakeholders=["sam"])
    review_all(act, instance)
    act.complete("mia", instance, "alignment_meeting", **ALIGNMENT)
    act.complete("ada", instance, "confirm_job_description", jd_decision="modify",
                 jd_change_notes="Add the mentoring part")

    redraft = act.task(instance, "draft_job_description")
    page = act.as_("ada").get(f"/tasks/{redraft.id}").get_data(as_text=True)
    assert 'value="Staff Engineer"' in page  # the form starts from the previous version
    act.complete("ada", instance, "draft_job_description", **dict(JOB_DESCRIPTION, jd_title="Staff Engineer II"))
    act.complete("mia", instance, "select_stakeholders", stakeholders=["sam", "sol"])
    review_all(act, instance)
    act.complete("mia", instance, "alignment_meeting", **ALIGNMENT)
    act.complete("ada", instance, "confirm_job_description", jd_decision="accept")
    assert [t.element_id for t in act.open_tasks(instance)] == ["skills_evaluation"]

    page = act.as_("ada").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "Versions" in page and "Version 2" in page
    assert page.index("Staff Engineer") < page.index("Staff Engineer II")


def test_leadership_asks_for_modifications_twice_then_approves(act):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    for round_number, comment in ((1, "Add a stretch assignment"), (2, "Make the dates realistic")):
        approval = act.task(instance, "leadership_approval")
        page = act.as_("leo").get(f"/tasks/{approval.id}").get_data(as_text=True)
        assert f"round {round_number}" in page
        act.complete("leo", instance, "leadership_approval", leadership_decision="modify",
                     leadership_comments=comment)
        # manager and employee reconvene: the manager's draft shows what leadership asked for
        draft = act.task(instance, "draft_career_path")
        assert comment in act.as_("mia").get(f"/tasks/{draft.id}").get_data(as_text=True)
        act.complete("mia", instance, "draft_career_path", **CAREER_PATH)
        act.complete("ada", instance, "review_career_path", **PATH_REVIEW)
    act.complete("leo", instance, "leadership_approval", leadership_decision="approve")

    decisions = [e.data["leadership_decision"] for e in act.events(instance, "task_completed")
                 if e.element_id == "leadership_approval"]
    assert decisions == ["modify", "modify", "approve"]
    assert len([e for e in act.events(instance, "task_completed") if e.element_id == "draft_career_path"]) == 3
    workflow = Runtime(db.session).restore(instance)
    assert workflow.get_tasks(spec_name="approved_split")[0].data["approval_round"] == 3
    history = act.as_("hana").get(f"/paths/{instance.id}").get_data(as_text=True)
    assert "Add a stretch assignment" in history and "Make the dates realistic" in history


def test_completeness_check_sends_the_path_back_naming_what_is_missing(act):
    instance = act.start_path("ada")
    run_to_leadership(act, instance)  # reaches leadership: complete
    act.complete("leo", instance, "leadership_approval", leadership_decision="modify", leadership_comments="x")
    # a milestone without a measure cannot be submitted by the form, but a path with none at all can
    # be produced by an edited form; the check in the diagram catches what forms let through.
    draft = act.task(instance, "draft_career_path")
    assert act.submit("mia", draft, dict(CAREER_PATH, milestones=[])).status_code == 422
    assert act.task(instance, "draft_career_path").id == draft.id


def test_revise_rounds_do_not_grow_the_stored_path(act):
    """Each round stores at most 2 KB beyond what people typed; the diagram still shows every step done."""
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    sizes = []
    for round_number in range(1, 6):
        act.complete("leo", instance, "leadership_approval", leadership_decision="modify",
                     leadership_comments=f"Round {round_number}: add a stretch milestone")
        act.complete("mia", instance, "draft_career_path", **CAREER_PATH)
        act.complete("ada", instance, "review_career_path", **PATH_REVIEW)
        db.session.expire_all()
        sizes.append(len(json.dumps(db.session.get(ProcessInstance, instance.id).state)))
    growth = [later - earlier for earlier, later in zip(sizes, sizes[1:])]
    assert max(growth) <= 2048, sizes
    states = Runtime(db.session).element_states(db.session.get(ProcessInstance, instance.id))
    assert states["career_objectives_meeting"] == states["draft_career_path"] == "completed"
    assert states["leadership_approval"] == "active"
    act.complete("leo", instance, "leadership_approval", leadership_decision="approve")
    assert Runtime(db.session).current_data(instance)["approval_round"] == 6


def test_a_milestone_due_before_today_is_refused_with_a_message(act):
    instance = act.start_path("ada")
    for element, who, data in [("career_objectives_meeting", "ada", OBJECTIVES),
                               ("draft_job_description", "ada", JOB_DESCRIPTION)]:
        act.complete(who, instance, element, **data)
    act.complete("mia", instance, "select_stakeholders", stakeholders=["sam"], review_focus="Fit")
    act.complete("sam", instance, "stakeholder_review", **REVIEW)
    act.complete("mia", instance, "alignment_meeting", **ALIGNMENT)
    act.complete("ada", instance, "confirm_job_description", jd_decision="accept")
    act.complete("ada", instance, "skills_evaluation", **SKILLS)
    task = act.task(instance, "draft_career_path")
    page = act.as_("mia").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'type="date" min="' in page  # the browser's date picker starts at today
    past = [dict(CAREER_PATH["milestones"][0], due_date="2020-01-15")]
    response = act.submit("mia", task, dict(CAREER_PATH, milestones=past))
    assert response.status_code == 422
    assert "cannot be before today" in response.get_data(as_text=True)
    assert act.task(instance, "draft_career_path").status == "open"
