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

from .errors import DeploymentRejected
from .models import ProcessVersion
from .validation import check_files, form_ref_of, kind_of

IGNORED_NAMES = {".DS_Store"}


@dataclass
class DeployResult:
    """What a deployment did: new versions and processes whose content was already deployed."""

    created: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    @property
    def versions(self):
        """Every version the deployment refers to, new or existing."""
        return self.created + self.unchanged


def read_paths(paths):
    """Read files and folders (recursively) into {relative name: text}; folders keep only known kinds."""
    files = {}
    for path in paths:
        if os.path.isdir(path):
            for root, _dirs, names in os.walk(path):
                for name in sorted(names):
                    if kind_of(name) and name not in IGNORED_NAMES:
                        full = os.path.join(root, name)
                        files[os.path.relpath(full, os.path.dirname(os.path.abspath(path)))] = _read_text(full)
        else:
            files[os.path.basename(path)] = _read_text(path)
    return files


def _read_text(path):
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnicodeDecodeError("utf-8", raw, 0, 1, f"{path} is not UTF-8 text") from None


def deployed_forms(session):
    """Forms of already deployed versions, newest first wins: {form id: schema}."""
    forms = {}
    rows = session.execute(sa.select(ProcessVersion.sources).order_by(ProcessVersion.deployed_at.desc(),
                                                                       ProcessVersion.id.desc()))
    for (sources,) in rows:
        for form_id, schema in (sources or {}).get("forms", {}).items():
            forms.setdefault(form_id, schema)
    return forms


def version_sources(checked, process_id, known_forms):
    """The sources a version of `process_id` needs, taken from checked files."""
    parser = checked.parser
    needed_processes = [process_id, *parser.get_subprocess_specs(process_id).keys()]
    bpmn_files = {parser.get_process_parser(pid).filename for pid in needed_processes
                  if pid in parser.process_parsers}
    forms = {}
    specs = [parser.get_spec(process_id), *parser.get_subprocess_specs(process_id).values()]
    for spec in specs:
        for task_spec in spec.task_specs.values():
            form_ref = form_ref_of(getattr(task_spec, "extensions", {}).get("camunda", {}))
            if form_ref:
                forms[form_ref] = checked.forms.get(form_ref) or known_forms[form_ref]
    return {
        "bpmn": {name: checked.bpmn[name] for name in sorted(bpmn_files)},
        "dmn": dict(sorted(checked.dmn.items())),
        "forms": dict(sorted(forms.items())),
    }


def checksum_of(sources):
    """A stable hash of a version's sources."""
    canonical = json.dumps(sources, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def deploy(session, files, deployed_by=None, deployment_name=None):
    """Validate files ({name: text}) and add a new version for each changed executable process.

    Raises DeploymentRejected (listing every problem) and writes nothing if any file
    is invalid. Flushes; the caller commits.
    """
    known_forms = deployed_forms(session)
    checked = check_files(files, known_forms)
    if checked.problems:
        raise DeploymentRejected(
            f"{len(checked.problems)} problem(s) found; nothing was deployed", checked.problems)
    result = DeployResult()
    for process_id in checked.process_ids:
        sources = version_sources(checked, process_id, known_forms)
        checksum = checksum_of(sources)
        latest = latest_version(session, process_id)
        if latest is not None and latest.checksum == checksum:
            result.unchanged.append(latest)
            continue
        version = ProcessVersion(
            key=process_id,
            name=checked.parser.get_process_parser(process_id).get_name() or process_id,
            version=(latest.version + 1) if latest else 1,
            checksum=checksum,
            sources=sources,
            deployment_name=deployment_name,
            deployed_by=deployed_by,
        )
        session.add(version)
        result.created.append(version)
    session.flush()
    return result


def latest_version(session, key):
    """The newest deployed version of a process key, or None."""
    return session.scalars(
        sa.select(ProcessVersion).where(ProcessVersion.key == key).order_by(ProcessVersion.version.desc()).limit(1)
    ).first()
