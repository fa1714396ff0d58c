"""Deploying files: versions, duplicate filtering, element-level rejection that writes nothing."""
import glob
import os

import pytest
import sqlalchemy as sa

from engine.diagrams.deployment import deploy, read_paths
from engine.errors import DeploymentRejected
from engine.store.models import ProcessVersion
from engine.diagrams.validation import check_files
from web import PROJECT_ROOT
from web.extensions import db

from ..helpers import shared_corpus

SHIPPED = [os.path.join(PROJECT_ROOT, "processes"), os.path.join(PROJECT_ROOT, "forms")]
CORPUS = shared_corpus()


def versions():
    return [(v.key, v.version) for v in db.session.scalars(sa.select(ProcessVersion).order_by(ProcessVersion.id))]


def test_same_content_twice_is_a_no_op_and_a_change_makes_a_new_version():
    files = read_paths(SHIPPED)
    first = deploy(db.session, files)
    assert sorted(v.key for v in first.created) == ["career_pathing", "milestone", "pilot_feedback"]
    again = deploy(db.session, files)
    assert again.created == [] and len(again.unchanged) == 3
    changed = dict(files)
    changed["forms/pilot-observation.form"] = changed["forms/pilot-observation.form"].replace(
        "Observations and suggested changes", "What should change?")
    third = deploy(db.session, changed)
    # only the process whose form changed gets a new version
    assert [(v.key, v.version) for v in third.created] == [("career_pathing", 2)]
    assert versions() == [("career_pathing", 1), ("milestone", 1), ("pilot_feedback", 1), ("career_pathing", 2)]


def test_version_stores_the_sources_it_needs():
    deploy(db.session, read_paths(SHIPPED))
    career = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == "career_pathing")).one()
    assert sorted(career.sources["bpmn"]) == ["processes/career_pathing.bpmn", "processes/milestone.bpmn",
                                              "processes/pilot_feedback.bpmn"]
    assert list(career.sources["dmn"]) == ["processes/leadership_routing.dmn"]
    assert "milestone-report" in career.sources["forms"] and "career-objectives" in career.sources["forms"]


def test_rejected_deploy_names_file_line_element_and_writes_nothing():
    files = read_paths(SHIPPED)
    files["processes/career_pathing.bpmn"] = files["processes/career_pathing.bpmn"].replace(
        'camunda:formRef="leadership-approval"', 'camunda:formRef="no-such-form"').replace(
        "${path_complete}", "${path_complete &amp;&amp;}")
    with pytest.raises(DeploymentRejected) as raised:
        deploy(db.session, files)
    problems = {p.element_id: p for p in raised.value.problems}
    assert len(problems) == len(raised.value.problems) == 2
    assert 'the form "no-such-form" is not deployed' in problems["leadership_approval"].message
    assert problems["leadership_approval"].file == "processes/career_pathing.bpmn"
    assert problems["leadership_approval"].line > 1
    assert "cannot be read" in problems["complete_gateway"].message
    assert versions() == []


def test_unreadable_xml_is_a_problem_of_that_file_not_a_crash():
    files = read_paths(SHIPPED)
    files["processes/milestone.bpmn"] = files["processes/milestone.bpmn"].replace("${milestone_verified == 'no'}",
                                                                                  "${a && b}")
    checked = check_files(files)
    line = files["processes/milestone.bpmn"].split("${a && b}")[0].count("\n") + 1
    assert [(p.file, p.line) for p in checked.problems] == [("processes/milestone.bpmn", line)]
    assert "not well-formed XML" in checked.problems[0].message


@pytest.mark.skipif(not os.path.isdir(CORPUS), reason="shared corpus not present")
def test_corpus_files_never_crash_the_validator():
    for path in sorted(glob.glob(os.path.join(CORPUS, "*", "*.bpmn"))):
        checked = check_files(read_paths([path]))
        assert checked.process_ids or checked.problems, path
        for problem in checked.problems:
            assert problem.file and problem.message, path
