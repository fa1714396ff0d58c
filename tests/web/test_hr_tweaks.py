"""HR tweaks the pilot without code: only files under processes/ and forms/ change, then they are deployed."""
import json
import os
import shutil

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from engine.store.models import Group, User
from web import PROJECT_ROOT
from web.cli import main
from web.extensions import db

from ..helpers import OBJECTIVES, run_to_leadership


@pytest.fixture
def copy_of_files(tmp_path):
    """processes/ and forms/ copied, to edit as HR would; `deploy()` deploys them with the CLI."""
    for folder in ("processes", "forms"):
        shutil.copytree(os.path.join(PROJECT_ROOT, folder), tmp_path / folder)

    class Files:
        root = tmp_path

        def edit(self, name, change):
            path = tmp_path / name
            path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

        def deploy(self, database_url):
            result = CliRunner(env={"DATABASE_URL": database_url}).invoke(
                main, ["deploy", str(tmp_path / "processes"), str(tmp_path / "forms"), "--name", "HR tweak"])
            assert result.exit_code == 0, result.output
            return result.output

    return Files()


def test_add_a_required_field_to_a_form(act, copy_of_files, database_url):
    def add_mentor(text):
        form = json.loads(text)
        form["components"].append({"type": "textfield", "key": "preferred_mentor", "label": "Preferred mentor",
                                   "id": "Field_mentor", "validate": {"required": True, "maxLength": 200}})
        return json.dumps(form, indent=2)

    copy_of_files.edit("forms/career-objectives.form", add_mentor)
    assert "deployed career_pathing version 2" in copy_of_files.deploy(database_url)
    instance = act.start_path("ada")
    task = act.task(instance, "career_objectives_meeting")
    refused = act.submit("ada", task, OBJECTIVES)
    assert refused.status_code == 422 and "Preferred mentor is required." in refused.get_data(as_text=True)
    act.complete("ada", instance, "career_objectives_meeting", preferred_mentor="Sam", **OBJECTIVES)


def test_change_the_job_description_due_time_from_7_to_10_days(act, copy_of_files, database_url):
    copy_of_files.edit("processes/career_pathing.bpmn", lambda text: text.replace(
        'camunda:dueDate="P7D"', 'camunda:dueDate="P10D"').replace(
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P7D</bpmn:timeDuration>',
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P10D</bpmn:timeDuration>'))
    copy_of_files.deploy(database_url)
    instance = act.start_path("ada")
    act.complete("ada", instance, "career_objectives_meeting", **OBJECTIVES)
    jd = act.task(instance, "draft_job_description")
    assert round((jd.due_at - jd.created_at).total_seconds() / 86400, 3) == 10
    db.session.refresh(instance)
    assert round((instance.next_timer_at - jd.created_at).total_seconds() / 86400, 3) == 5  # the reminder stays


def test_route_engineering_to_its_own_leadership_group_with_the_dmn_table(act, copy_of_files, database_url):
    group = Group(name="engineering-leadership", label="Engineering leadership")
    group.members = [db.session.scalars(sa.select(User).where(User.username == "sam")).one()]
    db.session.add(group)
    db.session.commit()
    copy_of_files.edit("processes/leadership_routing.dmn", lambda text: text.replace(
        '<outputEntry id="rule_engineering_group">\n          <text>"leadership"</text>',
        '<outputEntry id="rule_engineering_group">\n          <text>"engineering-leadership"</text>'))
    assert "deployed career_pathing version 2" in copy_of_files.deploy(database_url)
    ada_path, ben_path = act.start_path("ada"), act.start_path("ben")
    run_to_leadership(act, ada_path, stakeholders=("sol",))
    run_to_leadership(act, ben_path, employee="ben", stakeholders=("sol",))
    assert act.task(ada_path, "leadership_approval").candidate_groups == ["engineering-leadership"]  # Engineering
    assert act.task(ben_path, "leadership_approval").candidate_groups == ["leadership"]  # Sales
    act.complete("sam", ada_path, "leadership_approval", leadership_decision="approve", leadership_comments="Go")
