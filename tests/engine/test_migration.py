"""Moving running paths to a new version: a dry run that explains, then an apply that keeps the work."""
import os
import re

import pytest
import sqlalchemy as sa

from engine.runtime import migration
from engine.diagrams.deployment import deploy, read_paths
from engine.store.models import HumanTask, InstanceEvent, User
from engine.runtime.runner import Runtime
from web import PROJECT_ROOT
from web.extensions import db

from ..helpers import JOB_DESCRIPTION, OBJECTIVES

SHIPPED = [os.path.join(PROJECT_ROOT, "processes"), os.path.join(PROJECT_ROOT, "forms")]
CAREER = "processes/career_pathing.bpmn"


def deploy_changed(change):
    """Deploy the shipped files with `change(files)` applied; returns the new career_pathing version."""
    files = read_paths(SHIPPED)
    change(files)
    result = deploy(db.session, files)
    db.session.commit()
    return next(v for v in result.created if v.key == "career_pathing")


def rename_jd_task(files):
    files[CAREER] = files[CAREER].replace('name="Draft future-role job description"',
                                          'name="Write the future-role job description"')


def open_row(instance):
    db.session.expire_all()
    return db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                         HumanTask.status == "open")).one()


def start_at_jd(org):
    runtime = Runtime(db.session)
    instance = runtime.start("career_pathing", org["ada"], org["ada"]).instance
    runtime.complete(open_row(instance).id, OBJECTIVES, org["ada"])
    db.session.commit()
    return instance


def test_dry_run_maps_the_waiting_task_and_changes_nothing(org, deployed):
    instance = start_at_jd(org)
    v2 = deploy_changed(rename_jd_task)
    before = dict(instance.state)
    result = migration.plan(Runtime(db.session), instance, v2)
    assert result.ok, result.problems
    [step] = [s for s in result.steps if s.element_id == "draft_job_description"]
    # the reminder and escalation timers on the task wait too, and map as well
    assert {s.element_id for s in result.steps} == {"draft_job_description", "jd_reminder_timer", "jd_overdue_timer"}
    assert (step.element_id, step.name, step.new_name) == (
        "draft_job_description", "Draft future-role job description", "Write the future-role job description")
    assert "name" in step.changed
    db.session.expire_all()
    assert instance.process_version.version == 1 and instance.state == before


def test_apply_moves_the_path_and_it_continues_on_the_new_version(org, deployed):
    instance = start_at_jd(org)
    row = open_row(instance)
    v2 = deploy_changed(rename_jd_task)
    migration.migrate(Runtime(db.session), instance, v2, org["hana"])
    db.session.commit()
    db.session.expire_all()
    assert instance.process_version_id == v2.id
    moved = open_row(instance)
    # the same inbox row, still Ada's, with the new name and its due date kept
    assert (moved.id, moved.assignee.username, moved.due_at) == (row.id, "ada", row.due_at)
    assert moved.name == "Write the future-role job description"
    event = db.session.scalars(sa.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id,
                                                              InstanceEvent.kind == "migrated")).one()
    assert "from version 1 to version 2 by Hana Kim" in event.message
    Runtime(db.session).complete(moved.id, JOB_DESCRIPTION, org["ada"])
    db.session.commit()
    assert open_row(instance).element_id == "select_stakeholders"


def test_a_path_waiting_at_a_removed_task_cannot_move_and_says_why(org, deployed):
    instance = start_at_jd(org)

    def remove_jd_task(files):
        text = re.sub(r'<bpmn:userTask id="draft_job_description".*?</bpmn:userTask>', "", files[CAREER], flags=re.S)
        text = re.sub(r'<bpmn:boundaryEvent id="jd_\w+_timer".*?</bpmn:boundaryEvent>', "", text, flags=re.S)
        text = re.sub(r'<bpmn:sequenceFlow id="f_jd(_remind|_overdue)?" [^>]*/>', "", text)
        text = text.replace("<bpmn:flowNodeRef>draft_job_description</bpmn:flowNodeRef>", "")
        files[CAREER] = text.replace('targetRef="draft_job_description"', 'targetRef="select_stakeholders"')

    v2 = deploy_changed(remove_jd_task)
    result = migration.plan(Runtime(db.session), instance, v2)
    assert not result.ok
    assert result.problems[0] == ("the path waits at \u201cDraft future-role job description\u201d "
                                  "(draft_job_description), which version 2 removes")
    assert len(result.problems) == 3 and all(p.endswith("which version 2 removes") for p in result.problems)
    assert result.steps[0].reason == "it does not exist in version 2"
    with pytest.raises(migration.MigrationNotPossible, match="cannot move to version 2"):
        migration.migrate(Runtime(db.session), instance, v2, org["hana"])
    db.session.rollback()
    db.session.expire_all()
    assert instance.process_version.version == 1


def test_a_task_whose_id_changed_maps_by_its_place_in_the_flow(org, deployed):
    instance = Runtime(db.session).start("career_pathing", org["ada"], org["ada"]).instance
    db.session.commit()
    v2 = deploy_changed(lambda files: files.__setitem__(CAREER, files[CAREER].replace(
        "career_objectives_meeting", "objectives_conversation")))
    [step] = migration.plan(Runtime(db.session), instance, v2).steps
    assert step.ok and step.changed == ["id"] and step.element_id == "career_objectives_meeting"
    migration.migrate(Runtime(db.session), instance, v2, org["hana"])
    db.session.commit()
    assert open_row(instance).element_id == "objectives_conversation"


def test_completed_paths_and_other_processes_are_refused(org, deployed):
    instance = start_at_jd(org)
    result = migration.plan(Runtime(db.session), instance, deployed["milestone"])
    assert result.problems == ["version 1 belongs to \u201cmilestone\u201d, not to \u201ccareer_pathing\u201d"]
    assert migration.plan(Runtime(db.session), instance, deployed["career_pathing"]).problems == [
        "the path already runs on version 1"]


def test_parallel_reviews_half_done_keep_every_answer_after_moving(org, deployed):
    from ..helpers import REVIEW
    runtime = Runtime(db.session)
    instance = start_at_jd(org)
    runtime.complete(open_row(instance).id, JOB_DESCRIPTION, org["ada"])
    runtime.complete(open_row(instance).id, {"stakeholders": ["sam", "sol"], "review_focus": "Fit"}, org["mia"])
    db.session.commit()
    reviews = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                            HumanTask.status == "open")).all()
    by_reviewer = {row.assignee.username: row for row in reviews}
    runtime.complete(by_reviewer["sam"].id, dict(REVIEW, feedback="from sam"), org["sam"])
    db.session.commit()
    v2 = deploy_changed(rename_jd_task)
    result = migration.plan(runtime, instance, v2)
    assert result.ok and [s.element_id for s in result.steps if s.element_id == "stakeholder_review"]
    migration.migrate(runtime, instance, v2, org["hana"])
    db.session.commit()
    assert open_row(instance).id == by_reviewer["sol"].id
    Runtime(db.session).complete(by_reviewer["sol"].id, dict(REVIEW, feedback="from sol"), org["sol"])
    db.session.commit()
    assert open_row(instance).element_id == "alignment_meeting"
    data = Runtime(db.session).task_data(open_row(instance))
    assert sorted(review["feedback"] for review in data["stakeholder_reviews"]) == ["from sam", "from sol"]


def test_migrate_instances_command_dry_run_then_apply(org, deployed, database_url):
    from click.testing import CliRunner

    from web.cli import main

    instance = start_at_jd(org)
    deploy_changed(rename_jd_task)
    runner = CliRunner(env={"DATABASE_URL": database_url})
    dry = runner.invoke(main, ["migrate-instances", "career_pathing", "--from", "1"])
    assert dry.exit_code == 0, dry.output
    assert f"path {instance.id} (ada): can move" in dry.output
    assert "draft_job_description (Draft future-role job description) -> Write the future-role job description" \
        in dry.output
    db.session.expire_all()
    assert instance.process_version.version == 1
    applied = runner.invoke(main, ["migrate-instances", "career_pathing", "--from", "1", "--apply"])
    assert f"path {instance.id} (ada): moved to version 2" in applied.output
    db.session.expire_all()
    assert instance.process_version.version == 2
    assert runner.invoke(main, ["migrate-instances", "career_pathing", "--from", "7"]).exit_code == 2


def test_a_path_whose_finished_history_was_pruned_moves_and_goes_on(act):
    """After revise rounds the early steps are no longer in the stored state; the path still moves, its diagram
    still shows them done, and the approval continues on the new version."""
    from ..helpers import CAREER_PATH, PATH_REVIEW, run_to_leadership
    instance = act.start_path("ada")
    run_to_leadership(act, instance)
    for round_number in (1, 2):
        act.complete("leo", instance, "leadership_approval", leadership_decision="modify",
                     leadership_comments=f"Round {round_number}")
        act.complete("mia", instance, "draft_career_path", **CAREER_PATH)
        act.complete("ada", instance, "review_career_path", **PATH_REVIEW)
    db.session.expire_all()
    assert "career_objectives_meeting" not in {t.task_spec.bpmn_id
                                               for t in Runtime(db.session).restore(instance).get_tasks()}

    def rename_approval(files):
        files[CAREER] = files[CAREER].replace('name="Leadership approval"', 'name="Leadership sign-off"')

    v2 = deploy_changed(rename_approval)
    hana = db.session.scalars(sa.select(User).where(User.username == "hana")).one()
    result = migration.migrate(Runtime(db.session), instance, v2, hana)
    assert result.ok
    db.session.commit()
    db.session.expire_all()
    states = Runtime(db.session).element_states(instance)
    assert states["career_objectives_meeting"] == "completed" and states["leadership_approval"] == "active"
    approval = act.task(instance, "leadership_approval")
    assert approval.name == "Leadership sign-off"
    act.complete("leo", instance, "leadership_approval", leadership_decision="approve")
    assert Runtime(db.session).current_data(instance)["approval_round"] == 3
    assert {t.element_id for t in act.open_tasks(instance)} >= {"report_completion", "pilot_observation"}
