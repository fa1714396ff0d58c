"""The inbox rows of a path kept in step with its workflow: a row per READY user task, with who it is for
(assignee, candidates, stand-ins, the process owners when nobody is known), its subject and due dates, history
entries and messages announcing it. Nobody is given a task that decides on their own path.

`InboxRows` is part of engine.runtime.runner.Runtime: it uses the runtime's session, clock and history."""
import sqlalchemy as sa
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.connect.notifications import notify, people_of_task
from engine.directory.assignment import AssignmentError, resolve_assignment
from engine.directory.successors import REASSIGNED, successor
from engine.directory.named import FALLBACK_GROUP
from engine.directory.org import describe_candidates, person_and_absence
from engine.errors import Forbidden, IncidentRaised
from engine.forms.camunda import task_form_ref
from engine.rights import separation
from engine.roles import HR_GROUP
from engine.runtime.task_subject import task_subject
from engine.scripts.restricted import ScriptError
from engine.store.models import HumanTask

UNKNOWN_ASSIGNEE = "assignee_unknown"  # history kind: the task went to the process owners instead


class InboxRows:
    """Creating, refreshing and withdrawing a path's human_task rows (mixed into Runtime)."""

    def _sync(self, instance, workflow, actor, open_rows=None):
        """Make the open human_task rows match the workflow's READY user tasks; return new rows. `open_rows`
        are the instance's open rows when the caller read them already (after locking the instance)."""
        ready = {str(task.id): task for task in workflow.get_tasks(state=TaskState.READY, manual=True)}
        if open_rows is None:
            open_rows = self.session.scalars(sa.select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "open")).all()
        known = set()
        for row in open_rows:
            known.add(row.task_guid)
            if row.task_guid in ready:
                self._refresh_row(row, ready[row.task_guid].task_spec)
            else:
                row.status = "cancelled"
                self._finished.append(row)
                self._event(instance, actor, "task_cancelled", element_id=row.element_id, human_task=row,
                            message=f"\u201c{row.title}\u201d was withdrawn by the process")
        opened = []
        for guid, task in ready.items():
            if guid in known:
                continue
            row = self._new_row(instance, task, actor)
            opened.append(row)
        return opened

    @staticmethod
    def _refresh_row(row, spec):
        """Keep an open row's element, name, form and whose path it decides on in step with its spec (they change
        when a path migrates)."""
        decides_on = separation.decides_on(row.instance, spec)
        if row.decides_on_id != (decides_on.id if decides_on else None):
            row.decides_on = decides_on
        name, form_ref = spec.bpmn_name or spec.bpmn_id, task_form_ref(spec)
        if row.element_id != spec.bpmn_id:
            row.element_id = spec.bpmn_id
        if row.name != name:
            row.name = name
        if row.form_ref != form_ref:
            row.form_ref = form_ref
        if row.lane != spec.lane:
            row.lane = spec.lane

    def _new_row(self, instance, task, actor=None):
        spec = task.task_spec
        now = self.clock()
        try:
            assignment = resolve_assignment(task, now)
        except (AssignmentError, SpiffWorkflowException, ScriptError) as exc:
            raise IncidentRaised(f"Nobody could be assigned to \u201c{spec.bpmn_name}\u201d ({spec.bpmn_id}): "
                                 f"{describe_failure(exc)}. Nothing was changed.",
                                 errors={"instance_id": instance.id, "element_id": spec.bpmn_id}) from exc
        assignee = absent = absence = unknown = left = None
        decides_on = separation.decides_on(instance, spec)
        if decides_on is not None:
            self._check_not_deciding_on_own_path(instance, spec, assignment, decides_on, actor)
        if assignment.assignee:
            assignee, absence = person_and_absence(self.session, assignment.assignee, now.date())
            if assignee is None:  # never stop the path for it: the process owners take the task on
                unknown = assignment.assignee
                assignment.candidate_groups = [*assignment.candidate_groups, FALLBACK_GROUP]
            elif not assignee.active:  # a leaver: their manager takes it on, or HR (engine/directory/successors.py)
                left, absence = assignee, None
                assignee = successor(left, decides_on.id if decides_on else None)
                if assignee is None:
                    assignment.candidate_groups = [*assignment.candidate_groups, HR_GROUP]
            if absence is not None and absence.substitute.active and not (
                    decides_on is not None and absence.substitute_id == decides_on.id):
                absent, assignee = assignee, absence.substitute  # (nobody stands in on their own path)
        row = HumanTask(
            instance=instance, task_guid=str(task.id), element_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id,
            process_key=task.workflow.spec.name, lane=spec.lane, subject=task_subject(task),
            form_ref=task_form_ref(spec),
            assignee=assignee, candidate_users=assignment.candidate_users,
            candidate_groups=assignment.candidate_groups, due_at=assignment.due_at,
            follow_up_at=assignment.follow_up_at, priority=assignment.priority, created_at=now,
            substitute_for=absent, decides_on=decides_on,
        )
        self.session.add(row)  # inserted at the next flush; its history entry and messages right after
        who = assignee.name if assignee else describe_candidates(self.session, assignment.candidate_users,
                                                                  assignment.candidate_groups)
        if absent is not None:
            who += f" (standing in for {absent.name}, out of office until {absence.ends_on.isoformat()})"
        self._event(instance, None, "task_created", element_id=spec.bpmn_id, human_task=row,
                    message=f"\u201c{row.title}\u201d is waiting for {who}")
        if left is not None:
            self._event(instance, None, REASSIGNED, element_id=spec.bpmn_id, human_task=row,
                        message=f"\u201c{row.title}\u201d was for {left.name}, who was deactivated; "
                                f"{who} takes it on", data={"from": left.username, "reason": "left",
                                                            "to": assignee.username if assignee else None})
        if unknown is not None:
            self._event(instance, None, UNKNOWN_ASSIGNEE, element_id=spec.bpmn_id, human_task=row,
                        message=f"\u201c{row.title}\u201d was assigned to {unknown}, who is not in the directory; "
                                f"offered to process owners", data={"assignee": unknown})
        self._unannounced.append(row)
        return row

    @staticmethod
    def _check_not_deciding_on_own_path(instance, spec, assignment, decides_on, actor):
        """A task that decides on a path never goes to its employee: she leaves its candidate users, and an
        assignee or only candidate who is her stops the action (a person's action is refused, 403; the
        engine's own step becomes an incident)."""
        candidates = [name for name in assignment.candidate_users if name != decides_on.username]
        if assignment.assignee != decides_on.username and (candidates or assignment.candidate_groups
                                                           or not assignment.candidate_users):
            assignment.candidate_users = candidates
            return
        message = (f"\u201c{spec.bpmn_name or spec.bpmn_id}\u201d ({spec.bpmn_id}) would go to {decides_on.name}, "
                   f"whose path it decides on; nobody decides on their own path. Nothing was changed.")
        if actor is not None:
            raise Forbidden(message, errors={"element_id": spec.bpmn_id})
        raise IncidentRaised(message, errors={"instance_id": instance.id, "element_id": spec.bpmn_id})

    def _announce(self, row):
        """Tell the people a new task is for that it waits for them."""
        instance = row.instance
        employee = instance.employee.name if instance.employee else instance.business_key
        due = f" It is due {row.due_at.strftime('%Y-%m-%d')}." if row.due_at else ""
        stand_in = f" You stand in for {row.substitute_for.name}, who is out of office." if row.substitute_for else ""
        offered = "" if row.assignee else " It is offered to your group: claim it to work on it."
        whose = "" if instance.employee is not None and row.assignee_id == instance.employee_id else f" ({employee})"
        notify(self.session, people_of_task(self.session, row), f"New task: {row.title}{whose}",
               f"\u201c{row.title}\u201d in the career path of {employee} waits for you.{due}{offered}{stand_in}",
               kind="task", instance_id=instance.id, human_task=row, now=self.clock())


def describe_failure(exc):
    """The first line of an engine error, for messages naming what failed."""
    text = str(exc).strip() or exc.__class__.__name__
    return text.split("\n")[0].rstrip(". ")
