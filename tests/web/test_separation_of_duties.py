"""Nobody decides on their own path: a table of role × task kind × action, through pages and the API.

Ada's path is walked to each kind of task that decides on it (a manager's step,
a stakeholder review, the leadership approval, a milestone verification). Ada
is also in the leadership group here, so the approval of her own path is
offered to a group she belongs to. For each kind, Ada may not complete it (even
when the row says it is hers), claim it, be delegated it, or stand in for the
person it goes to; Ben (not the employee) may, which shows the refusal is about
whose path it is.
"""
import base64
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from engine.store.models import Absence, Group, HumanTask, Notification, ProcessInstance, User
from engine.diagrams.deployment import deploy
from engine.diagrams.validation import check_files
from web.extensions import db

from ..bpmn import linear_process

from ..helpers import ALIGNMENT, CAREER_PATH, JOB_DESCRIPTION, OBJECTIVES, PATH_REVIEW, REVIEW, SKILLS

KINDS = {  # task kind -> (element id, who holds it)
    "manager step": ("select_stakeholders", "mia"),
    "stakeholder review": ("stakeholder_review", "sam"),
    "leadership approval": ("leadership_approval", "leo"),
    "milestone verification": ("verify_milestone", "mia"),
}


def basic(username):
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()}


def user(username):
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


@pytest.fixture
def ada_leads(org):
    """Ada is also in the leadership group."""
    ada = user("ada")
    ada.groups.append(db.session.scalars(sa.select(Group).where(Group.name == "leadership")).one())
    db.session.commit()


def away(username, substitute):
    """`username` is out of office today with `substitute` standing in."""
    db.session.add(Absence(user_id=user(username).id, substitute_id=user(substitute).id,
                           starts_on=date.today() - timedelta(days=1), ends_on=date.today() + timedelta(days=9)))
    db.session.commit()


def walk_to(act, kind, before=lambda: None):
    """Ada's path up to the task of `kind`; `before` runs just before the step that opens it. Returns
    (path, task row)."""
    element, _holder = KINDS[kind]
    path = act.start_path("ada")
    act.complete("ada", path, "career_objectives_meeting", **OBJECTIVES)
    steps = [
        ("ada", "draft_job_description", JOB_DESCRIPTION),
        ("mia", "select_stakeholders", dict(stakeholders=["sam", "sol"], review_focus="Fit")),
        ("reviews", None, None),
        ("mia", "alignment_meeting", ALIGNMENT), ("ada", "confirm_job_description", dict(jd_decision="accept")),
        ("ada", "skills_evaluation", SKILLS), ("mia", "draft_career_path", CAREER_PATH),
        ("ada", "review_career_path", PATH_REVIEW),
        ("leo", "leadership_approval", dict(leadership_decision="approve", leadership_comments="Go")),
        ("report", None, None),
    ]
    opens = {"manager step": 0, "stakeholder review": 1, "leadership approval": 7, "milestone verification": 9}
    for index, (who, step, data) in enumerate(steps):
        if index == opens[kind]:
            before()
        if who == "reviews":
            if kind == "stakeholder review":
                break
            for task in act.open_tasks(path, "stakeholder_review"):
                assert act.submit(task.assignee.username, task, REVIEW).status_code == 302
        elif who == "report":
            report = act.open_tasks(path, "report_completion")[0]
            assert act.submit("ada", report, {"completion_note": "Done", "evidence_link": "https://e.org/c"}
                              ).status_code == 302
        else:
            if step == element:
                break
            act.complete(who, path, step, **data)
    tasks = act.open_tasks(path, element)
    if kind == "stakeholder review":
        tasks = [t for t in tasks if "sam" in (t.assignee.username, getattr(t.substitute_for, "username", None))]
    return path, tasks[0]


def fresh(row):
    db.session.expire_all()
    return db.session.get(HumanTask, row.id)


def give_to_ada_directly(row):
    """As a path would be after a direct write (or before this rule): the row says Ada holds it."""
    row.assignee = user("ada")
    db.session.commit()


def offer_to(row, username):
    """As a path would be after a direct write: the row offers the task to `username` to claim."""
    row.assignee, row.candidate_users, row.candidate_groups = None, [username], []
    db.session.commit()


def claim(act, row, person, channel, holder):
    """`person` claims the task, offered to them (Ada: the approval through her leadership group)."""
    if row.element_id == "leadership_approval" and person == "ada":
        row.assignee = None  # back with the leadership group, of which Ada is a member here
        db.session.commit()
    else:
        offer_to(row, person)
    url = f"/tasks/{row.id}/claim" if channel == "page" else f"/api/v1/tasks/{row.id}/claim"
    response = act.as_(person).post(url)
    if response.status_code == 403:
        assert "decides on your own path" in response.get_data(as_text=True)
        assert fresh(row).assignee_id is None
        return False
    assert response.status_code in (200, 302) and fresh(row).assignee.username == person
    return True


def delegate(act, row, person, channel, holder):
    """The holder delegates the task to `person`; the delegate picker on the holder's page offers only whom it
    may go to."""
    page = act.as_(holder).get(f"/tasks/{row.id}").get_data(as_text=True)
    offered = f'value="{person}"' in page
    if channel == "page":
        response = act.as_(holder).post(f"/tasks/{row.id}/delegate", data={"user": person})
    else:
        response = act.as_(holder).post(f"/api/v1/tasks/{row.id}/delegate", json={"user": person})
    if response.status_code == 403:
        assert "it decides on their own path" in response.get_data(as_text=True) and not offered
        assert fresh(row).assignee.username == holder
        return False
    assert response.status_code in (200, 302) and fresh(row).assignee.username == person and offered
    return True


def complete(act, row, person, channel, holder):
    """`person` completes the task, which the row says is theirs (Ada: as after a direct write, or a delegation
    made before this rule)."""
    row.assignee = user(person)
    db.session.commit()
    data = REVIEW if row.element_id == "stakeholder_review" else {}
    if channel == "page":
        response = act.submit(person, row, data)
    else:
        response = act.as_(person).post(f"/api/v1/tasks/{row.id}/complete", json={"data": data})
    if response.status_code == 403:
        assert "decides on your own path" in response.get_data(as_text=True) and fresh(row).status == "open"
        return False
    assert response.status_code in (200, 302, 422)  # let in (422: an empty form still needs its answers)
    return True


# action, person, may they? (in this order: each row starts from the task as its holder has it; completing
# moves the path on, so it comes last)
TABLE = [
    (claim, "ada", False), (claim, "ben", True),
    (delegate, "ada", False), (delegate, "ben", True),
    (complete, "ada", False), (complete, "ben", True),
]


@pytest.mark.parametrize("channel", ["page", "api"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_nobody_decides_on_their_own_path(act, ada_leads, kind, channel):
    _element, holder = KINDS[kind]
    _path, row = walk_to(act, kind)
    if row.assignee_id is None:
        act.claim(holder, row)
    as_held = fresh(row)
    held = (as_held.assignee_id, list(as_held.candidate_users), list(as_held.candidate_groups))
    for action, person, allowed in TABLE:
        row = fresh(row)
        row.assignee_id, row.candidate_users, row.candidate_groups = held
        row.owner_id = row.claimed_by_id = None
        db.session.commit()
        assert action(act, row, person, channel, holder) is allowed, (kind, channel, action.__name__, person)


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind != "leadership approval"])  # (a group task)
@pytest.mark.parametrize("person", ["ada", "ben"])
def test_nobody_stands_in_on_their_own_path(act, kind, person):
    _element, holder = KINDS[kind]
    _path, row = walk_to(act, kind, before=lambda: away(holder, person))
    row = fresh(row)
    if person == "ada":
        assert row.assignee.username == holder and row.substitute_for is None
    else:
        assert row.assignee.username == person and row.substitute_for.username == holder


def test_the_employees_own_tasks_stay_hers_and_the_inbox_leaves_out_her_own_approval(act, ada_leads):
    path, approval = walk_to(act, "leadership approval")
    own = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == path.id,
                                                        HumanTask.element_id == "review_career_path")).one()
    assert own.decides_on_id is None and approval.decides_on.username == "ada"
    act.as_("ada").get("/")  # shows (and clears) the messages of her earlier steps
    inbox = act.as_("ada").get("/").get_data(as_text=True)
    assert "Leadership approval" not in inbox
    assert all(t["id"] != approval.id for t in act.as_("ada").get("/api/v1/tasks").json)
    assert any(t["id"] == approval.id for t in act.as_("leo").get("/api/v1/tasks").json)
    assert act.as_("ada").get(f"/tasks/{approval.id}").status_code == 403  # she sees her path, not this step
    # the group is told about the approval, but not Ada, though she is in it
    told = {db.session.get(User, n.user_id).username for n in db.session.scalars(
        sa.select(Notification).where(Notification.human_task_id == approval.id))}
    assert "leo" in told and "ada" not in told


def test_a_manager_cannot_choose_the_employee_as_her_own_stakeholder(act):
    path = act.start_path("ada")
    act.complete("ada", path, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", path, "draft_job_description", **JOB_DESCRIPTION)
    task = act.task(path, "select_stakeholders")
    response = act.as_("mia").post(f"/api/v1/tasks/{task.id}/complete",
                                   json={"data": {"stakeholders": ["ada", "sam"], "review_focus": "Fit"}})
    assert response.status_code == 422  # the form's options leave her out
    assert fresh(task).status == "open" and act.open_tasks(path, "stakeholder_review") == []


REVIEWER_FORM = {"type": "default", "id": "reviewer", "components": [
    {"type": "textfield", "key": "reviewer", "label": "Reviewer"}]}


def test_a_step_that_would_give_the_employee_a_decision_on_her_path_is_refused(act):
    """Whatever the form allows: the engine refuses to give a deciding task to the path's employee."""
    xml = linear_process("choose_reviewer", '<bpmn:userTask id="choose" name="Choose a reviewer" camunda:formRef="reviewer"'
                         ' camunda:assignee="${manager}"/>', '<bpmn:userTask id="review" name="Review the path" '
                         'camunda:formRef="reviewer" camunda:assignee="${reviewer}"/>').replace(
        'isExecutable="true"', 'isExecutable="true" camunda:candidateStarterUsers="${employee}"')
    deploy(db.session, {"choose_reviewer.bpmn": xml, "reviewer.form": json.dumps(REVIEWER_FORM)})
    db.session.commit()
    started = act.as_("ada").post("/api/v1/process-instances", json={"process_key": "choose_reviewer"})
    task_id = started.json["open_tasks"][0]["id"]
    refused = act.as_("mia").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"reviewer": "ada"}})
    assert refused.status_code == 403
    assert refused.json["message"] == ("\u201cReview the path\u201d (review) would go to Ada Lovelace, whose path it "
                                       "decides on; nobody decides on their own path. Nothing was changed.")
    instance = db.session.get(ProcessInstance, started.json["id"])
    assert instance.status == "running" and db.session.get(HumanTask, task_id).status == "open"
    page = act.as_("mia").post(f"/tasks/{task_id}", data={"reviewer": "ada"})
    assert page.status_code == 403 and "nobody decides on their own path" in page.get_data(as_text=True)
    fine = act.as_("mia").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"reviewer": "sam"}})
    assert fine.status_code == 200 and fine.json["next_tasks"][0]["assignee"] == "sam"


START_INJECTIONS = [  # (who, how, body) -> each is refused with 403 naming the variable; nothing starts
    ("ada", "api", {"process_key": "career_pathing", "variables": {"manager": "ada"}}),
    ("ada", "api", {"process_key": "career_pathing", "variables": {"employee": "ben"}}),
    ("ada", "api", {"process_key": "career_pathing", "variables": {"leadership_group": "friends"}}),
    ("ada", "api", {"process_key": "career_pathing", "variables": {"anything": 1}}),
    ("mia", "api", {"process_key": "career_pathing", "employee": "ada", "variables": {"manager": "mia2"}}),
    ("hana", "api", {"process_key": "career_pathing", "employee": "ada", "variables": {"manager": "ada"}}),
    ("hana", "engine-rest", {"businessKey": "ada", "variables": {"manager": {"value": "ada", "type": "String"}}}),
    ("hana", "engine-rest", {"businessKey": "ada", "variables": {
        "approval_round": {"value": 9, "type": "Integer"}}}),
]


@pytest.mark.parametrize("who, how, body", START_INJECTIONS)
def test_start_variables_from_the_directory_or_protected_cannot_be_injected(act, client, who, how, body):
    if how == "api":
        response = act.as_(who).post("/api/v1/process-instances", json=body)
    else:
        response = client.post("/engine-rest/process-definition/key/career_pathing/start", json=body,
                               headers=basic(who))
    assert response.status_code == 403, response.json
    name = next(iter(body["variables"]))
    assert f"variables.{name}" in response.json["errors"] and f"\u201c{name}\u201d" in response.json["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)) == 0


def test_hr_may_pass_other_variables_to_a_process_without_start_form(act, client):
    response = client.post("/engine-rest/process-definition/key/career_pathing/start", headers=basic("hana"),
                           json={"businessKey": "ada", "variables": {"cohort": {"value": "p1", "type": "String"}}})
    assert response.status_code == 200


MANAGER_FORM = {"type": "default", "id": "who-manages", "components": [
    {"type": "textfield", "key": "manager", "label": "Manager"}]}


def test_a_completion_cannot_change_a_directory_variable(act):
    """A form whose field is keyed like a directory variable cannot change it (an unchanged value passes)."""
    xml = linear_process("ask_manager", '<bpmn:userTask id="ask" name="Who manages you" camunda:formRef="who-manages"/>',
                         lane="Employee").replace('isExecutable="true"',
                                                  'isExecutable="true" camunda:candidateStarterUsers="${employee}"')
    files = {"ask_manager.bpmn": xml, "who-manages.form": json.dumps(MANAGER_FORM)}
    [warning] = check_files(files).warnings  # it deploys, with a warning naming the field
    assert warning.element_id == "ask" and 'the form field "manager" names a variable the org directory' in str(warning)
    deploy(db.session, files)
    db.session.commit()
    started = act.as_("ada").post("/api/v1/process-instances", json={"process_key": "ask_manager"})
    assert started.status_code == 201, started.json
    task_id = started.json["open_tasks"][0]["id"]
    response = act.as_("ada").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"manager": "ada"}})
    assert response.status_code == 403 and "variables.manager" in response.json["errors"]
    assert db.session.get(HumanTask, task_id).status == "open"
    same = act.as_("ada").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"manager": "mia"}})
    assert same.status_code == 200, same.json


def test_when_the_engine_itself_would_give_her_a_decision_it_is_an_incident(org):
    """A timer leads to a step only the path's employee is a candidate for: nobody acts, so it is an incident."""
    from engine.runtime.runner import Runtime
    from engine.runtime.worker import fire_due_timers
    from ..engine.test_timers import Clock, deploy_small, flows, small, timer
    clock = Clock()
    xml = small("later", f'<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="t">{timer("timeDuration", "PT1H")}'
                '</bpmn:intermediateCatchEvent><bpmn:userTask id="judge" name="Judge" camunda:formRef="note" '
                'camunda:candidateUsers="${employee}"/><bpmn:endEvent id="e"/>'
                + flows(("s", "t"), ("t", "judge"), ("judge", "e")))
    instance = Runtime(db.session, clock).start_version(deploy_small(xml), user("ada"), user("ada")).instance
    db.session.commit()
    clock.move(hours=2)
    fire_due_timers(db.session, clock)
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.status == "incident" and instance.incident["element_id"] == "judge"
    assert "would go to Ada Lovelace, whose path it decides on" in instance.incident["message"]
