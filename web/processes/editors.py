"""The modeler (bpmn-js with the Camunda properties panel) and the form editor (form-js), in the browser.

Both pages post what the process owner made to the deploy endpoint, which
validates it like any other deployment and answers with element-level problems
that the page shows on the diagram.
"""
from flask import abort, render_template, url_for

from engine.diagrams.deployment import deployed_forms
from engine.forms.formjs import SUPPORTED_TYPES

from ..extensions import db

from .views import bp, version_or_404

NEW_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="new_process" name="New process" isExecutable="true">
    <bpmn:startEvent id="start" name="Start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="180" y="160" width="36" height="36" /></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


@bp.route("/<key>/<id:number>/modeler")
def modeler(key, number):
    """Edit a version's diagram; deploying makes the next version."""
    version = version_or_404(key, number)
    filename = version.main_file
    return render_template("processes/modeler.html", version=version, filename=filename,
                           xml=version.sources["bpmn"][filename], deploy_url=url_for("processes.deploy_page"))


@bp.route("/modeler")
def new_diagram():
    """Draw a new process from an empty diagram."""
    return render_template("processes/modeler.html", version=None, filename="processes/new_process.bpmn",
                           xml=NEW_DIAGRAM, deploy_url=url_for("processes.deploy_page"))


@bp.route("/forms/<form_id>/edit")
def form_editor(form_id):
    """Edit the newest deployed form with this id; deploying gives the processes using it a new version."""
    schema = deployed_forms(db.session).get(form_id)
    if schema is None:
        abort(404)
    return render_template("processes/form_editor.html", form_id=form_id, schema=schema,
                           deploy_url=url_for("processes.deploy_page"), field_types=sorted(SUPPORTED_TYPES))
