"""The migration resource: generate, validate and execute a migration plan, on `engine.runtime.migration`.

A path's waiting steps keep their element ids when it moves, so a plan's instructions map each element to
the same id in the target version. Process owners only; executing moves every listed path in one step or none.
"""
import sqlalchemy as sa
from flask import jsonify

from engine.runtime import migration
from engine.errors import Conflict
from engine.store.models import ProcessInstance
from engine.runtime.runner import Runtime

from ..extensions import db
from .common import InvalidRequest, bp, json_body, require_process_owner
from .process_definition import version_by_id
from .process_instance import instances_query, parse_id


def _instruction(element_id):
    return {"sourceActivityIds": [element_id], "targetActivityIds": [element_id], "updateEventTrigger": False}


def _plan_versions(plan, field="migrationPlan"):
    """(source, target) versions of a plan body; 400/404 naming what is wrong."""
    if not isinstance(plan, dict):
        raise InvalidRequest(f"{field} must be an object with sourceProcessDefinitionId and "
                             f"targetProcessDefinitionId.", {field: "missing or not an object"})
    for name in ("sourceProcessDefinitionId", "targetProcessDefinitionId"):
        if not isinstance(plan.get(name), str) or not plan[name]:
            raise InvalidRequest(f"{name} is required.", {f"{field}.{name}": "missing"})
    source = version_by_id(plan["sourceProcessDefinitionId"])
    target = version_by_id(plan["targetProcessDefinitionId"])
    if source.key != target.key:
        raise InvalidRequest(f"A path moves only between versions of one process: {source.key!r} is not "
                             f"{target.key!r}.", {f"{field}.targetProcessDefinitionId": "another process"})
    return source, target


def _instruction_failures(plan, source, target):
    """[(instruction, [failures])] for the plan's instructions (each maps an element to the same id)."""
    shared = set(migration.shared_steps(source, target))
    reports = []
    instructions = plan.get("instructions")
    if instructions is None:
        instructions = [_instruction(e) for e in sorted(shared)]
    if not isinstance(instructions, list):
        raise InvalidRequest("instructions must be a list.", {"migrationPlan.instructions": "not a list"})
    for entry in instructions:
        failures = []
        sources = entry.get("sourceActivityIds") if isinstance(entry, dict) else None
        targets = entry.get("targetActivityIds") if isinstance(entry, dict) else None
        if not (isinstance(sources, list) and isinstance(targets, list) and len(sources) == 1 and len(targets) == 1):
            failures.append("an instruction maps one sourceActivityIds entry to one targetActivityIds entry")
        elif sources[0] != targets[0]:
            failures.append(f"{sources[0]} can only move to the element with the same id, not to {targets[0]}")
        elif sources[0] not in shared:
            failures.append(f"{sources[0]} is not a step of both versions")
        reports.append({"instruction": entry, "failures": failures})
    return reports


@bp.route("/migration/generate", methods=["POST"])
def generate():
    """A plan from source to target: one instruction per step both versions have."""
    require_process_owner("migrate paths")
    payload = json_body(required=True)
    source, target = _plan_versions(payload, "body")
    return jsonify({"sourceProcessDefinitionId": source.definition_id,
                    "targetProcessDefinitionId": target.definition_id,
                    "instructions": [_instruction(e) for e in migration.shared_steps(source, target)],
                    "variables": None})


@bp.route("/migration/validate", methods=["POST"])
def validate():
    """Check a plan's instructions: `{"instructionReports": [...], "variableReports": {}}` (failed ones only)."""
    require_process_owner("migrate paths")
    plan = json_body(required=True).get("migrationPlan")
    source, target = _plan_versions(plan)
    reports = [r for r in _instruction_failures(plan, source, target) if r["failures"]]
    return jsonify({"instructionReports": reports, "variableReports": {}})


@bp.route("/migration/execute", methods=["POST"])
def execute():
    """Move the listed paths (processInstanceIds and/or processInstanceQuery) to the plan's target: 204, or 400
    with every path's problems and nothing moved."""
    actor = require_process_owner("migrate paths")
    payload = json_body(required=True)
    plan = payload.get("migrationPlan")
    source, target = _plan_versions(plan)
    failed = [f for r in _instruction_failures(plan, source, target) for f in r["failures"]]
    if failed:
        raise InvalidRequest("The migration plan is not valid: " + "; ".join(failed) + ".",
                             {"migrationPlan.instructions": failed})
    ids = payload.get("processInstanceIds") or []
    if not isinstance(ids, list):
        raise InvalidRequest("processInstanceIds must be a list of ids.", {"processInstanceIds": "not a list"})
    wanted = {parse_id(i) for i in ids}
    if isinstance(payload.get("processInstanceQuery"), dict):
        query, _filters = instances_query(payload["processInstanceQuery"], None)  # owners migrate any path
        wanted.update(row.id for row in db.session.execute(query).all())
    if not wanted:
        raise InvalidRequest("Name the paths to move: processInstanceIds or processInstanceQuery.",
                             {"processInstanceIds": "empty"})
    instances = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.id.in_(
        [i for i in wanted if i is not None])).order_by(ProcessInstance.id)).all()
    problems = [f"path {i}: there is no such path" for i in sorted(str(i) for i in ids)
                if parse_id(i) not in {p.id for p in instances}]
    runtime = Runtime(db.session)
    for instance in instances:
        if instance.process_version_id != source.id:
            problems.append(f"path {instance.id}: it runs on version {instance.process_version.version}, "
                            f"not on the plan's source version {source.version}")
            continue
        try:
            migration.migrate(runtime, instance, target, actor)
        except Conflict as exc:
            problems.append(f"path {instance.id}: {exc.message}")
    if problems:
        db.session.rollback()
        raise InvalidRequest("Nothing was moved: " + "; ".join(problems), {"processInstanceIds": problems})
    db.session.commit()
    return "", 204
