"""Deploying BPMN, DMN and form files as process versions.

A version is a self-contained snapshot: the BPMN files a process needs (its own
and those of the processes it calls), the DMN files, and the forms its user
tasks refer to. Its checksum covers exactly that, so deploying the same content
again is a no-op and any change makes a new version. Nothing is written unless
every file is valid.
"""
import hashlib
import json
import os
from dataclasses import dataclass, field

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.errors import DeploymentRejected
from engine.diagrams.dmn import parse_dmn
from engine.forms.camunda import embedded_form_ref, resolve_task_form
from engine.diagrams.encoding import UnreadableText, decode_text
from engine.store.models import Deployment, ProcessVersion, ResourceDefinition
from engine.directory.named import known_people
from engine.diagrams.declarations import start_form_refs
from engine.diagrams.specs import called_specs
from engine.diagrams.problems import Problem, form_id_from_file, kind_of
from engine.diagrams.validation import check_files
from engine.diagrams.versions import latest_resources, latest_version, resource_version

IGNORED_NAMES = {".DS_Store"}


@dataclass
class DeployResult:
    """What a deployment did: new versions and processes whose content was already deployed."""

    created: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    deployment: Deployment | None = None
    warnings: list = field(default_factory=list)  # Problems that did not stop the deployment
    created_resources: list = field(default_factory=list)  # new ResourceDefinition versions (decisions, forms)
    unchanged_resources: list = field(default_factory=list)

    @property
    def versions(self):
        """Every version the deployment refers to, new or existing."""
        return self.created + self.unchanged


def read_paths(paths):
    """Read files and folders (recursively) into {relative name: text}; folders keep only known kinds.
    Raises UnreadableFile for the first file that cannot be read (see `read_each` to go on past it)."""
    files = {}
    for name, text, problem in read_each(paths):
        if problem is not None:
            raise UnreadableFile(problem)
        files[name] = text
    return files


class UnreadableFile(ValueError):
    """A file that cannot be read; `problem` names it and says why."""

    def __init__(self, problem):
        super().__init__(str(problem))
        self.problem = problem


def read_each(paths, as_given=False):
    """(name, text, None) for each file of `paths` (folders recursively, known kinds only), or
    (name, None, Problem) for a file that cannot be read. Names start at the folder given (a file: its name);
    with `as_given` they are paths as given (the folder or file as typed, then the path inside the folder)."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    if kind_of(name) and name not in IGNORED_NAMES:
                        full = os.path.join(root, name)
                        shown = os.path.join(path, os.path.relpath(full, path)) if as_given else \
                            os.path.relpath(full, os.path.dirname(os.path.abspath(path)))
                        yield _read_one(full, shown)
        else:
            yield _read_one(path, path if as_given else os.path.basename(path))


def _read_one(path, name):
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return name, None, Problem(name, "cannot be read: no such file or folder")
    except OSError as exc:
        return name, None, Problem(name, f"cannot be read: {(exc.strerror or 'not a readable file').lower()}")
    try:
        return name, decode_text(raw, is_xml=kind_of(name) != "form"), None
    except UnreadableText as exc:
        return name, None, Problem(name, str(exc))


def deployed_forms(session):
    """Deployed forms, the newest of each id: {form id: schema}. Forms deployed as resources win over those
    only found in processes' sources."""
    forms = {}
    rows = session.execute(sa.select(ProcessVersion.sources).order_by(ProcessVersion.deployed_at.desc(),
                                                                       ProcessVersion.id.desc()))
    for (sources,) in rows:
        for form_id, schema in (sources or {}).get("forms", {}).items():
            forms.setdefault(form_id, schema)
    for row in latest_resources(session, "form"):
        forms[row.key] = json.loads(row.source)
    return forms


def version_sources(checked, process_id, known_forms):
    """The sources a version of `process_id` needs, taken from checked files."""
    parser = checked.parser
    called = called_specs(parser, process_id)
    needed_processes = [process_id, *called.keys()]
    bpmn_files = {parser.get_process_parser(pid).filename for pid in needed_processes
                  if pid in parser.process_parsers}
    forms = {}
    available = {**known_forms, **checked.forms}
    specs = [parser.get_spec(process_id), *(spec for spec in called.values() if spec is not None)]
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if not isinstance(task_spec, UserTask):
                continue
            form_ref, schema, _messages = resolve_task_form(task_spec, available, checked.form_files, checked.html)
            if form_ref and schema is not None:
                forms[form_ref] = schema
    all_bpmn = {**checked.deployed_bpmn, **checked.bpmn}
    own_file = parser.get_process_parser(process_id).filename if process_id in parser.process_parsers else None
    for form_ref in start_form_refs(all_bpmn.get(own_file) or "", process_id):
        schema = checked.forms.get(form_ref) or known_forms.get(form_ref)
        if schema is not None:  # the start form limits what a start may set
            forms[form_ref] = schema
    sources = {
        "bpmn": {name: all_bpmn[name] for name in sorted(bpmn_files)},
        "dmn": dict(sorted(checked.dmn.items())),
        "forms": dict(sorted(forms.items())),
    }
    missing = sorted(key for key, spec in called.items() if spec is None)
    if missing:
        sources["missing_calls"] = missing  # resolved when the path runs (see engine.diagrams.specs)
    return sources


def checksum_of(sources):
    """A stable hash of a version's sources."""
    canonical = json.dumps(sources, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def deployed_processes(session):
    """BPMN files the latest version of every deployed process needs: {key: {file: xml}}."""
    return {key: latest_version(session, key).sources.get("bpmn", {})
            for key in session.scalars(sa.select(ProcessVersion.key).distinct())}


def deployed_decisions(session):
    """The latest deployed decisions by id: {id: (file, xml)}. Decisions deployed as resources win over those
    only found in processes' sources (deployed before decisions were resources)."""
    decisions = {}
    for key in session.scalars(sa.select(ProcessVersion.key).distinct()):
        for name, xml in latest_version(session, key).sources.get("dmn", {}).items():
            for decision_id in parse_dmn(xml, name)[0]:
                decisions.setdefault(decision_id, (name, xml))
    for row in latest_resources(session, "decision"):
        decisions[row.key] = (row.resource, row.source)
    return decisions


def _deploy_resources(session, files, checked, result, new_deployment):
    """A new ResourceDefinition version for every decision and form among the files whose content changed;
    `new_deployment()` gives the Deployment they belong to."""
    entries = []
    for name, text in sorted(files.items()):
        if kind_of(name) == "dmn":
            for decision_id, decision in parse_dmn(text, name)[0].items():
                entries.append(("decision", decision_id, getattr(decision, "name", None), name, text,
                                hashlib.sha256(text.encode("utf-8")).hexdigest()))
    for form_id, schema in sorted(checked.forms.items()):
        text = json.dumps(schema, sort_keys=True, ensure_ascii=False)
        entries.append(("form", form_id, schema.get("name") or form_id, checked.form_files[form_id], text,
                        hashlib.sha256(text.encode("utf-8")).hexdigest()))
    for kind, key, display, resource, text, checksum in entries:
        latest = resource_version(session, kind, key)
        if latest is not None and latest.checksum == checksum:
            result.unchanged_resources.append(latest)
            continue
        row = ResourceDefinition(kind=kind, key=key, version=(latest.version + 1) if latest else 1,
                                 name=display, resource=resource, checksum=checksum, source=text,
                                 deployment=new_deployment())
        session.add(row)
        result.created_resources.append(row)


def check_for_deploy(session, files):
    """Check files as a deploy would, resolving forms, called processes and decisions from what is deployed."""
    return check_files(files, deployed_forms(session), deployed_processes(session), deployed_decisions(session),
                       directory=known_people(session))


def decode_upload(name, raw):
    """The text of an uploaded file, in whatever encoding its XML declares; DeploymentRejected naming the file
    when it cannot be read."""
    try:
        return decode_text(raw, is_xml=kind_of(name) != "form")
    except UnreadableText as exc:
        raise DeploymentRejected("nothing was deployed", [Problem(name, str(exc))]) from None


def with_processes_using_forms(session, files):
    """Files to deploy for forms sent on their own: the forms plus the latest BPMN and DMN of every
    deployed process that uses one of them, so those processes get a new version with the new form."""
    form_ids = set()
    for name, text in files.items():
        if kind_of(name) == "form":
            try:
                form_ids.add(json.loads(text).get("id") or form_id_from_file(name))
            except (ValueError, AttributeError, RecursionError):
                return files  # the form's own problem is reported by validation
        elif kind_of(name) == "html":
            form_ids.add(embedded_form_ref(name))
    if not form_ids or any(kind_of(name) == "bpmn" for name in files):
        return files
    combined = dict(files)
    for key in session.scalars(sa.select(ProcessVersion.key).distinct()):
        sources = latest_version(session, key).sources
        if form_ids & set(sources.get("forms", {})):
            combined.update({name: text for name, text in sources.get("bpmn", {}).items() if name not in combined})
            combined.update({name: text for name, text in sources.get("dmn", {}).items() if name not in combined})
    return combined


def deploy(session, files, deployed_by=None, deployment_name=None, source=None, tenant_id=None):
    """Validate files ({name: text}) and add a new version for each changed executable process.

    Forms sent without a diagram give a new version of every process that uses them. Every decision and form
    among the files is also kept as a versioned resource of its own (a .dmn or .form deploys on its own).
    Raises DeploymentRejected (listing every problem) and writes nothing if any file
    is invalid. Records a Deployment when at least one version is new. Flushes; the
    caller commits.
    """
    files = with_processes_using_forms(session, files)
    known_forms = deployed_forms(session)
    checked = check_files(files, known_forms, deployed_processes(session), deployed_decisions(session),
                          directory=known_people(session))
    if checked.problems:
        count = len(checked.problems)
        raise DeploymentRejected(f"{count} problem{'s' if count != 1 else ''} found; nothing was deployed",
                                 checked.problems, warnings=checked.warnings)
    result = DeployResult(warnings=checked.warnings)

    def new_deployment():
        if result.deployment is None:
            result.deployment = Deployment(name=deployment_name, source=source, tenant_id=tenant_id,
                                           deployed_by=deployed_by, resources=sorted(files))
            session.add(result.deployment)
        return result.deployment

    _deploy_resources(session, files, checked, result, new_deployment)
    for process_id in checked.process_ids:
        if checked.process_file(process_id) not in checked.bpmn:
            continue  # a called process taken from its deployed version
        sources = version_sources(checked, process_id, known_forms)
        checksum = checksum_of(sources)
        latest = latest_version(session, process_id)
        if latest is not None and latest.checksum == checksum:
            result.unchanged.append(latest)
            continue
        new_deployment()
        version = ProcessVersion(
            key=process_id,
            name=checked.parser.get_process_parser(process_id).get_name() or process_id,
            version=(latest.version + 1) if latest else 1,
            checksum=checksum,
            sources=sources,
            deployment_name=deployment_name,
            deployed_by=deployed_by,
            deployment=result.deployment,
        )
        session.add(version)
        result.created.append(version)
    session.flush()
    return result


