"""Test helpers that read like what people do in the app."""
import os
import re

from werkzeug.datastructures import MultiDict

import sqlalchemy as sa

from engine.store.models import HumanTask, InstanceEvent, ProcessInstance
from web.extensions import db


def shared_corpus():
    """The shared BPMN corpus (../shared/corpus beside the project, looked for in the folders above it so work
    trees find it too), or a path that does not exist."""
    folder = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    while os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
        candidate = os.path.join(folder, "shared", "corpus")
        if os.path.isdir(candidate):
            return candidate
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "corpus")


def flatten(data, prefix=""):
    """Nested form data -> HTML form fields with dotted names (and row counters for lists)."""
    fields = []
    for key, value in data.items():
        name = prefix + key
        if isinstance(value, list) and value and isinstance(value[0], dict):
            fields.append((name + ".__rows", str(len(value))))
            for index, row in enumerate(value):
                fields.extend(flatten(row, f"{name}.{index}."))
        elif isinstance(value, list):
            fields.extend((name, str(item)) for item in value)
        elif isinstance(value, bool):
            if value:
                fields.append((name, "true"))
        elif value is not None:
            fields.append((name, str(value)))
    return fields


class Actions:
    """One test client per person, so several people can act in one test."""

    def __init__(self, app):
        self.app = app
        self.clients = {}

    def as_(self, username):
        """The logged-in client of `username` (logging in on first use)."""
        if username not in self.clients:
            client = self.app.test_client()
            response = client.post("/login", data={"username": username, "password": "demo"})
            assert response.status_code == 302, f"login failed for {username}"
            self.clients[username] = client
        return self.clients[username]

    def start_path(self, username):
        """`username` presses "Start my career path"; returns the new instance."""
        response = self.as_(username).post("/paths/start")
        assert response.status_code == 302, response.data[:500]
        return db.session.scalars(sa.select(ProcessInstance).order_by(ProcessInstance.id.desc())).first()

    def open_tasks(self, instance, element_id=None):
        """Open tasks of a path (optionally of one BPMN element)."""
        db.session.expire_all()
        query = sa.select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        if element_id:
            query = query.where(HumanTask.element_id == element_id)
        return db.session.scalars(query.order_by(HumanTask.id)).all()

    def task(self, instance, element_id):
        """The single open task of an element in a path."""
        tasks = self.open_tasks(instance, element_id)
        assert len(tasks) == 1, f"expected one open {element_id}, found {[t.element_id for t in self.open_tasks(instance)]}"
        return tasks[0]

    def submit(self, username, task, data):
        """Post the task form as `username`; returns the response."""
        return self.as_(username).post(f"/tasks/{task.id}", data=MultiDict(flatten(data)))

    def claim(self, username, task):
        """`username` claims a group task from its page; it succeeds."""
        response = self.as_(username).post(f"/tasks/{task.id}/claim")
        assert response.status_code == 302, _error_text(response)

    def complete(self, username, instance, element_id, **data):
        """`username` completes the open task `element_id` of a path with `data` (claiming a group task
        first, as people do), and it succeeds."""
        task = self.task(instance, element_id)
        if task.assignee_id is None:
            self.claim(username, task)
        response = self.submit(username, task, data)
        assert response.status_code == 302, _error_text(response)
        return task

    def events(self, instance, kind=None):
        db.session.expire_all()
        query = sa.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
        if kind:
            query = query.where(InstanceEvent.kind == kind)
        return db.session.scalars(query.order_by(InstanceEvent.id)).all()


def _error_text(response):
    text = response.get_data(as_text=True)
    errors = re.findall(r'<p class="error"[^>]*>(.*?)</p>', text)
    return f"status {response.status_code}: {errors or text[:800]}"


# Answers for each step of the shipped process, as a person would type them.
OBJECTIVES = dict(meeting_date="2026-11-20", career_goals="Grow into technical leadership of the platform team.",
                  five_year_vision="Yes - as a staff engineer leading platform architecture.",
                  target_role="Staff Engineer")
JOB_DESCRIPTION = dict(jd_title="Staff Engineer", jd_level="principal", jd_purpose="Technical leadership",
                       jd_responsibilities="Architecture, mentoring, cross-team design reviews",
                       jd_required_skills="Distributed systems, mentoring")
REVIEW = dict(supports_direction="yes", strategic_link="Platform reliability is a 2027 objective",
              feedback="Strong direction")
ALIGNMENT = dict(alignment_date="2026-11-28", alignment_summary="Stakeholders support the move",
                 strategic_alignment="Matches the platform strategy")
SKILLS = dict(current_skills="Python, SQL, on-call leadership", performance_summary="Exceeds",
              skill_gaps=[{"skill": "System design", "current_level": "3", "required_level": "5"}],
              development_suggestions="Architecture course and design-review rotation",
              development_kinds=["training", "rotation"])
MILESTONES = [
    {"type": "training", "title": "Architecture course", "measure": "Certificate", "due_date": "2027-03-01"},
    {"type": "experience", "title": "Lead a design review", "measure": "Review done", "due_date": "2027-06-01"},
]
CAREER_PATH = dict(milestones=MILESTONES, stakeholder_consultation="Sam suggests the course first")
PATH_REVIEW = dict(milestones=MILESTONES, employee_feedback="Looks right")


def run_to_leadership(act, instance, employee="ada", manager="mia", stakeholders=("sam", "sol")):
    """Walk a new path through steps 2-6 up to the leadership approval."""
    act.complete(employee, instance, "career_objectives_meeting", **OBJECTIVES)
    act.complete(employee, instance, "draft_job_description", **JOB_DESCRIPTION)
    act.complete(manager, instance, "select_stakeholders", stakeholders=list(stakeholders), review_focus="Fit")
    for name in stakeholders:
        task = next(t for t in act.open_tasks(instance, "stakeholder_review") if t.assignee.username == name)
        response = act.submit(name, task, REVIEW)
        assert response.status_code == 302, _error_text(response)
    act.complete(manager, instance, "alignment_meeting", **ALIGNMENT)
    act.complete(employee, instance, "confirm_job_description", jd_decision="accept")
    act.complete(employee, instance, "skills_evaluation", **SKILLS)
    act.complete(manager, instance, "draft_career_path", **CAREER_PATH)
    act.complete(employee, instance, "review_career_path", **PATH_REVIEW)


FEEDBACK = dict(pilot_usefulness="4", pilot_effort="right", pilot_improvements="Shorter forms")


def finish_after_approval(act, instance, employee="ada", manager="mia"):
    """After leadership approval: HR's observations, both pilot feedbacks, every milestone reported and verified."""
    act.complete("hana", instance, "pilot_observation", process_rating="4", observations="Smooth")
    act.complete(employee, instance, "employee_feedback", **FEEDBACK)
    act.complete(manager, instance, "manager_feedback", **FEEDBACK)
    for report in act.open_tasks(instance, "report_completion"):
        response = act.submit(employee, report, {"completion_note": "Done it", "evidence_link": "https://example.com/c"})
        assert response.status_code == 302, _error_text(response)
    for verify in act.open_tasks(instance, "verify_milestone"):
        response = act.submit(manager, verify, {"milestone_verified": "yes", "recognition_kind": "note",
                                                "recognition_note": "Well done"})
        assert response.status_code == 302, _error_text(response)
