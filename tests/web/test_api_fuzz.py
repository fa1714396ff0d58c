"""Schemathesis generates requests from /api/v1/openapi.json: none may get a server error (bounded run)."""
import base64

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

HANA = {"Authorization": "Basic " + base64.b64encode(b"hana:demo").decode()}
EXAMPLES_PER_OPERATION = 25


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 12
    return found


def test_no_server_error_for_any_generated_request(app, act):
    act.start_path("ada")  # something to find: a path with an open task
    checked = []
    for operation in operations(app):

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(headers=HANA)
            case.validate_response(response, checks=[not_a_server_error])

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /api/v1/tasks/{task_id}/complete" in checked
