"""scim2-tester, the SCIM RFC compliance checker, against a live /scim/v2: discovery, then create, read,
search, replace, PATCH add/replace/remove and delete of Users and Groups. No check may end in an error."""
import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from ..live_server import live_server
from ..scim import provisioning_token

FAILED = {Status.ERROR, Status.CRITICAL}


@pytest.fixture
def results(app):
    """Every check scim2-tester makes, run once against a live server with a provisioning token."""
    token = provisioning_token("scim2-tester")
    with live_server(app) as base:
        with httpx2.Client(base_url=base + "/scim/v2", headers={"Authorization": f"Bearer {token}"},
                           timeout=30) as http:
            return check_server(SyncSCIMClient(http))


def describe(result):
    return f"{result.resource_type or '-'} {result.title}: {result.reason}"


def test_no_check_fails(results):
    failed = [describe(result) for result in results if result.status in FAILED]
    assert not failed, "scim2-tester found errors:\n" + "\n".join(failed)


def test_users_and_groups_are_checked_through_every_operation(results):
    """Users and Groups were discovered and went through creation, reading, replacement, PATCH and deletion."""
    passed = {(result.resource_type, result.title) for result in results if result.status == Status.SUCCESS}
    for resource_type in ("User", "Group"):
        for title in ("object_creation", "object_query", "object_query_without_id", "object_replacement",
                      "object_deletion", "check_add_attribute", "check_replace_attribute", "check_remove_attribute"):
            assert (resource_type, title) in passed, (resource_type, title)
