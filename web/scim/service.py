"""scim2-server's protocol service, with the allowances identity providers need before a body is validated.

- A creation without `displayName` gets one from `name.formatted`, the given and family names, or the
  username; one without `active` is active (the directory always knows both).
- Of several `emails` the primary one is kept (else a work address, else the first): the directory keeps one.
- A PATCH that sets the enterprise `manager` to a bare id (as Microsoft Entra sends it) sets `{"value": id}`;
  one on a selected email's value (`emails[type eq "work"].value`, Entra again) sets the one email kept.
"""
import json
import re

from scim2_server.service import ScimService

from .schema import ENTERPRISE_SCHEMA


def _kept_email(emails):
    """The one address of a list that the directory keeps, as a one-item list (or the value as it was)."""
    if not isinstance(emails, list) or len(emails) < 2:
        return emails
    entries = [entry for entry in emails if isinstance(entry, dict)]
    chosen = next((e for e in entries if e.get("primary") is True), None) \
        or next((e for e in entries if str(e.get("type", "")).lower() == "work"), None) \
        or (entries[0] if entries else None)
    return [chosen] if chosen is not None else emails


def _display_name(payload):
    name = payload.get("name") if isinstance(payload.get("name"), dict) else {}
    formatted = name.get("formatted")
    parts = [part for part in (name.get("givenName"), name.get("familyName")) if isinstance(part, str) and part]
    return (formatted if isinstance(formatted, str) and formatted.strip() else None) or " ".join(parts) \
        or payload.get("userName")


def _key(payload, name):
    """The key of `payload` that is attribute `name` (attribute names are not case-sensitive), or None."""
    return next((key for key in payload if isinstance(key, str) and key.lower() == name.lower()), None)


EMAIL_VALUE_PATH = re.compile(r"^\s*emails\[[^\]]*\]\.value\s*$", re.IGNORECASE)


def _is_manager_path(path):
    if not isinstance(path, str):
        return False
    path = path.strip().lower()
    return path == "manager" or path == f"{ENTERPRISE_SCHEMA.lower()}:manager"


class DirectoryService(ScimService):
    """The SCIM protocol (scim2-server) for the org directory."""

    def _rewritten(self, body, content_type, change):
        """`body` with `change(payload)` applied when it is a JSON object; otherwise as it was (the service
        then refuses it with the right error)."""
        self.ensure_json(content_type)
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return body
        if not isinstance(payload, dict):
            return body
        change(payload)
        return json.dumps(payload).encode("utf-8")

    def _user_defaults(self, payload, creation):
        key = _key(payload, "emails")
        if key:
            payload[key] = _kept_email(payload[key])
        if creation:
            if _key(payload, "displayName") is None and _display_name(payload):
                payload["displayName"] = _display_name(payload)
            if _key(payload, "active") is None:
                payload["active"] = True

    def read_creation(self, resource_type, body, content_type):
        """Validate a creation, with a User's display name, activity and email filled in as the module says."""
        if resource_type.name == "User":
            body = self._rewritten(body, content_type, lambda payload: self._user_defaults(payload, True))
        return super().read_creation(resource_type, body, content_type)

    def read_replacement(self, resource_type, body, content_type):
        """Validate a replacement (PUT), keeping one email of a User."""
        if resource_type.name == "User":
            body = self._rewritten(body, content_type, lambda payload: self._user_defaults(payload, False))
        return super().read_replacement(resource_type, body, content_type)

    def read_patch(self, resource_type, body, content_type):
        """Validate a PATCH, reading a bare manager id as the manager's value, and a selected email's value
        (`emails[type eq "work"].value`) as the one email kept."""
        def allowances(payload):
            operations = payload.get(_key(payload, "Operations") or "Operations")
            for operation in operations if isinstance(operations, list) else []:
                if not isinstance(operation, dict):
                    continue
                path_key, value_key = _key(operation, "path"), _key(operation, "value")
                path = operation.get(path_key) if path_key else None
                if _is_manager_path(path) and value_key and isinstance(operation[value_key], str):
                    operation[value_key] = {"value": operation[value_key]}
                if isinstance(path, str) and EMAIL_VALUE_PATH.match(path):
                    operation[path_key] = "emails"
                    op_key = _key(operation, "op") or "op"
                    if str(operation.get(op_key, "")).lower() != "remove" and value_key:
                        operation[op_key] = "replace"
                        operation[value_key] = [{"value": operation[value_key]}]
        if resource_type.name == "User":
            body = self._rewritten(body, content_type, allowances)
        return super().read_patch(resource_type, body, content_type)
