"""Small diagrams that talk to other systems (external tasks, messages, signals), for the tests of them."""
import json

import sqlalchemy as sa

from engine.diagrams.deployment import deploy
from engine.store.models import Group, User
from web.auth import hash_password
from web.extensions import db

from .bpmn import HEADER


STARTERS = 'camunda:candidateStarterUsers="${employee}" camunda:candidateStarterGroups="workers"'


def diagram(process_id, body, definitions="", starters=STARTERS):
    """A BPMN file with `definitions` (messages, errors, signals) and one process holding `body`, which the
    employee and connected systems (the `workers` group) may start."""
    return (f'{HEADER}{definitions}<bpmn:process id="{process_id}" name="{process_id.title()}" '
            f'isExecutable="true" {starters}>{body}</bpmn:process></bpmn:definitions>')


def flows(*pairs):
    """Sequence flows between element ids."""
    return "".join(f'<bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>' for a, b in pairs)


# start -> archive (external, error boundary "ARCHIVE_REFUSED" -> fixed) -> wait for "training-done" -> end
ARCHIVE = diagram("archive", (
    '<bpmn:startEvent id="start"/>'
    '<bpmn:serviceTask id="archive_plan" name="Archive the plan" camunda:type="external" camunda:topic="archive"'
    ' camunda:taskPriority="${priority}"/>'
    '<bpmn:boundaryEvent id="refused" attachedToRef="archive_plan"><bpmn:errorEventDefinition errorRef="err"/>'
    '</bpmn:boundaryEvent>'
    '<bpmn:userTask id="fix_archive" name="Fix the archive" camunda:assignee="${employee}" camunda:formRef="note"/>'
    '<bpmn:receiveTask id="training" name="Training done" messageRef="msg"/>'
    '<bpmn:endEvent id="end"/><bpmn:endEvent id="end_fixed"/>'
    + flows(("start", "archive_plan"), ("archive_plan", "training"), ("training", "end"),
            ("refused", "fix_archive"), ("fix_archive", "end_fixed"))),
    '<bpmn:error id="err" name="Refused" errorCode="ARCHIVE_REFUSED"/>'
    '<bpmn:message id="msg" name="training-done"/>')

# a process started by the message "joined-pilot"; it waits for the signal "pilot-opens"
ONBOARDING = diagram("onboarding", (
    '<bpmn:startEvent id="joined"><bpmn:messageEventDefinition messageRef="joined_msg"/></bpmn:startEvent>'
    '<bpmn:intermediateCatchEvent id="opens"><bpmn:signalEventDefinition signalRef="sig"/>'
    '</bpmn:intermediateCatchEvent>'
    '<bpmn:userTask id="welcome" name="Welcome" camunda:assignee="${employee}" camunda:formRef="note"/>'
    '<bpmn:endEvent id="end"/>'
    + flows(("joined", "opens"), ("opens", "welcome"), ("welcome", "end"))),
    '<bpmn:message id="joined_msg" name="joined-pilot"/><bpmn:signal id="sig" name="pilot-opens"/>')


NOTE_FORM = json.dumps({"id": "note", "components": [{"type": "textfield", "key": "note", "label": "Note"}]})


def deploy_text(name, text, user=None):
    """Deploy one diagram (with the form `note` its user tasks use); returns its version."""
    result = deploy(db.session, {name: text, "note.form": NOTE_FORM}, deployed_by=user)
    db.session.commit()
    return result.versions[0]


def worker_account(username="archiver", password="demo"):
    """A member of `workers` (another system's account)."""
    group = db.session.scalars(sa.select(Group).where(Group.name == "workers")).first()
    if group is None:
        group = Group(name="workers", label="Connected systems")
        db.session.add(group)
    user = User(username=username, name=username.title(), password_hash=hash_password(password), groups=[group])
    db.session.add(user)
    db.session.commit()
    return user
