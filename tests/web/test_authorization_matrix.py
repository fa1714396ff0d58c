"""Who may see what: one table of role × endpoint × expected status, checked on pages and the API.

The scene: Ada's path waits at the stakeholder reviews (Sam's is open, Sol has
answered); Ben's path waits for leadership. Pat is only a process owner, Ari
only an admin.
"""
import base64
from collections import defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from engine.store.models import Absence, ApiToken, Group, HumanTask, Notification, User
from engine.store.pilot_models import Cohort, CohortMember, JobFamily, Role, RoleSkill, Skill
from engine.store.provisioning_models import ProvisioningToken
from web.auth import hash_password
from web.extensions import db

from ..helpers import JOB_DESCRIPTION, OBJECTIVES, REVIEW, run_to_leadership

ROLES = ["anonymous", "ada", "ben", "mia", "sam", "sol", "leo", "hana", "pat", "ari"]

# "METHOD path" -> expected status per role (same order as ROLES). `{name}` takes an id of the scene below.
# "API " in front: the call authenticates with HTTP Basic instead of a browser session (as /engine-rest always
# does). POST bodies are empty (or invalid) so that an allowed caller gets a validation answer (400/422) and a
# refused one 401/403/404. EVERY route of the app needs at least one row here: test_every_route_has_a_row
# fails for a route without one. A new route is one more line, e.g.
#   "API POST /engine-rest/task/{sam_review}/claim": [401, 403, 403, 403, 403, 403, 403, 200, 200, 403],
MATRIX = {
    "GET /":                          [302, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /health":                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /login":                     [200, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    # Single sign-on is not configured in this scene: nothing there for anonymous callers (404).
    "POST /login/oidc":               [404, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    "GET /login/oidc/callback":       [404, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    "GET /static/app.css":            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /vendor/chart.js/chart.umd.js": [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /paths/":                    [302, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /paths/{ada_path}":          [302, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "GET /paths/{ben_path}":          [302, 404, 200, 200, 404, 404, 200, 200, 404, 404],
    "GET /paths/{ada_path}/diagram.bpmn": [302, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "GET /paths/{ada_path}/print":    [302, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "GET /paths/incidents":           [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /tasks/{sam_review}":        [302, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "GET /tasks/{sol_review}":        [302, 403, 404, 403, 403, 200, 404, 403, 404, 404],
    "GET /tasks/{approval}":          [302, 404, 403, 403, 404, 404, 200, 403, 404, 404],
    "POST /tasks/{sam_review}":       [302, 403, 404, 403, 422, 404, 404, 403, 404, 404],
    "POST /tasks/{sam_review}/delegate": [302, 403, 404, 404, 409, 404, 404, 404, 404, 404],
    "POST /tasks/{sam_review}/hand-back": [302, 403, 404, 404, 409, 404, 404, 404, 404, 404],
    "POST /tasks/{sam_review}/release": [302, 403, 404, 404, 409, 404, 404, 404, 404, 404],
    "POST /tasks/{sam_review}/comments": [302, 403, 404, 403, 422, 404, 404, 403, 404, 404],
    "POST /paths/{ada_path}/comments": [302, 302, 404, 302, 302, 404, 404, 302, 404, 404],
    "POST /paths/{ada_path}/retry":   [302, 403, 403, 403, 403, 403, 403, 409, 409, 403],
    "POST /paths/start-failures/999999/start-again": [302, 403, 403, 403, 403, 403, 403, 404, 404, 403],
    "GET /processes/":                [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /processes/career_pathing/1": [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /processes/career_pathing/1/modeler": [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /processes/career_pathing/1/migrate": [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "POST /processes/career_pathing/1/migrate": [302, 403, 403, 403, 403, 403, 403, 302, 302, 403],
    "GET /processes/career_pathing/1/sources/forms/leadership-approval": [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /processes/modeler":         [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /processes/deploy":          [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "POST /processes/deploy":         [302, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "GET /processes/forms/leadership-approval/edit": [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "GET /processes/tokens":          [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "POST /processes/tokens":         [302, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "POST /processes/tokens/{token}/revoke": [302, 403, 403, 403, 403, 403, 403, 302, 404, 403],
    "GET /admin/users":               [302, 403, 403, 403, 403, 403, 403, 200, 403, 200],
    "GET /admin/users/new":           [302, 403, 403, 403, 403, 403, 403, 200, 403, 200],
    "POST /admin/users/new":          [302, 403, 403, 403, 403, 403, 403, 422, 403, 422],
    "GET /admin/users/{ada}":         [302, 403, 403, 403, 403, 403, 403, 200, 403, 200],
    "POST /admin/users/{ada}":        [302, 403, 403, 403, 403, 403, 403, 422, 403, 422],
    "GET /admin/provisioning-tokens": [302, 403, 403, 403, 403, 403, 403, 200, 403, 200],
    "POST /admin/provisioning-tokens": [302, 403, 403, 403, 403, 403, 403, 400, 403, 400],
    "POST /admin/provisioning-tokens/{provisioning_token}/revoke": [302, 403, 403, 403, 403, 403, 403, 302, 403, 302],
    # /scim/v2 takes a provisioning token only: no session, password or person's API token opens it.
    "GET /scim/v2/Users":             [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "POST /scim/v2/Users":            [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/ServiceProviderConfig": [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/ResourceTypes": [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/ResourceTypes/User": [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/Schemas":       [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User": [401, 401, 401, 401, 401, 401, 401, 401,
                                                                            401, 401],
    "API POST /scim/v2/Bulk":         [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/Me":            [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API PUT /scim/v2/Me":            [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API PATCH /scim/v2/Me":          [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API DELETE /scim/v2/Me":         [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API POST /scim/v2/Me":           [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/":              [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API POST /scim/v2/.search":      [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API POST /scim/v2/Users/.search": [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/Users":         [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API POST /scim/v2/Users":        [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API GET /scim/v2/Users/{ada}":   [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API PUT /scim/v2/Users/{ada}":   [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API PATCH /scim/v2/Users/{ada}": [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "API DELETE /scim/v2/Users/{ada}": [401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
    "POST /admin/users/import":       [302, 403, 403, 403, 403, 403, 403, 422, 403, 422],
    "GET /notifications":             [302, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "POST /notifications/{ada_notification}/open": [302, 302, 404, 404, 404, 404, 404, 404, 404, 404],
    "GET /settings":                  [302, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "POST /settings/absences":        [302, 422, 422, 422, 422, 422, 422, 422, 422, 422],
    "POST /settings/absences/{ada_absence}/delete": [302, 302, 404, 404, 404, 404, 404, 404, 404, 404],
    "POST /settings/email":           [302, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    "GET /pilot/":                    [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "GET /pilot/analytics":           [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "GET /pilot/cohorts/new":         [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "POST /pilot/cohorts/new":        [302, 403, 403, 403, 403, 403, 403, 422, 403, 403],
    "GET /pilot/cohorts/{cohort}":    [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "GET /pilot/cohorts/{cohort}/feedback": [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "POST /pilot/cohorts/{cohort}/members": [302, 403, 403, 403, 403, 403, 403, 302, 403, 403],
    "GET /pilot/exports/paths.csv":   [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "GET /pilot/exports/tasks.csv":   [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "GET /pilot/exports/milestones.csv": [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "GET /pilot/recognition":         [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "GET /pilot/skills":              [302, 403, 403, 403, 403, 403, 403, 200, 403, 403],
    "POST /pilot/skills/import":      [302, 403, 403, 403, 403, 403, 403, 422, 403, 403],
    "POST /pilot/skills/import/apply": [302, 403, 403, 403, 403, 403, 403, 422, 403, 403],
    "POST /pilot/skills/requirements": [302, 403, 403, 403, 403, 403, 403, 422, 403, 403],
    "API GET /api/v1/openapi.json":   [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /api/v1/tasks":          [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /api/v1/start-failures": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /api/v1/start-failures/999999/start-again": [401, 403, 403, 403, 403, 403, 403, 404, 404, 403],
    "API GET /api/v1/process-instances/{ada_path}": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API GET /api/v1/process-instances/{ben_path}": [401, 404, 200, 200, 404, 404, 200, 200, 404, 404],
    "API POST /api/v1/process-instances": [401, 422, 422, 422, 422, 422, 422, 422, 422, 422],
    "API GET /api/v1/tasks/{sam_review}": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "API GET /api/v1/tasks/{approval}": [401, 404, 403, 403, 404, 404, 200, 403, 404, 404],
    "API POST /api/v1/tasks/{sam_review}/complete": [401, 403, 404, 403, 422, 404, 404, 403, 404, 404],
    "API POST /api/v1/tasks/{sam_review}/delegate": [401, 403, 404, 404, 409, 404, 404, 404, 404, 404],
    "API POST /api/v1/tasks/{sam_review}/hand-back": [401, 403, 404, 404, 409, 404, 404, 404, 404, 404],
    "API POST /api/v1/tasks/{sam_review}/release": [401, 403, 404, 404, 409, 404, 404, 404, 404, 404],
    "API GET /api/v1/process-instances/{ada_path}/comments": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API POST /api/v1/process-instances/{ada_path}/comments": [401, 201, 404, 201, 201, 404, 404, 201, 404, 404],
    "API GET /api/v1/process-definitions": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/deployment/create": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    # /engine-rest: every user may call it and sees what the pages show them; deploying, deleting deployments
    # and migrating are for process owners, changing a path's variables or cancelling it for HR and them.
    "API GET /engine-rest/version":   [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/engine":    [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/deployment": [401, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "API GET /engine-rest/deployment/count": [401, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "API GET /engine-rest/deployment/999999": [401, 403, 403, 403, 403, 403, 403, 404, 404, 403],
    "API DELETE /engine-rest/deployment/999999": [401, 403, 403, 403, 403, 403, 403, 404, 404, 403],
    "API GET /engine-rest/process-definition": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/version":   [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/deployment": [401, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "API GET /engine-rest/task":          [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/task/{sam_review}": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API GET /engine-rest/task/{sam_review}/variables": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "API GET /engine-rest/process-instance/{ada_path}": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API GET /engine-rest/process-instance/{ben_path}/variables": [401, 404, 200, 200, 404, 404, 200, 200, 404, 404],
    "API GET /engine-rest/process-definition": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/migration/generate": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "API GET /engine-rest/history/process-instance": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/incident":      [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "GET /processes/webhooks/":       [302, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    # external tasks: only members of `workers` fetch; lists show what each may see (none here: all 200)
    "API POST /engine-rest/external-task/fetchAndLock": [401, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "API GET /engine-rest/external-task": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/external-task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/message":  [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/signal":   [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/deployment/create": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "API GET /engine-rest/process-definition": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/process-definition/{career_definition}/start": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/process-definition/key/career_pathing/start": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API GET /engine-rest/engine": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/deployment/999999": [401, 403, 403, 403, 403, 403, 403, 404, 404, 403],
    "API GET /engine-rest/deployment/count": [401, 403, 403, 403, 403, 403, 403, 200, 200, 403],
    "API GET /engine-rest/process-definition/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/process-definition/{career_definition}": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/process-definition/{career_definition}/xml": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/process-definition/key/career_pathing": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/process-definition/key/career_pathing/xml": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/process-definition/{career_definition}/start": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/process-definition/key/career_pathing/start": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API GET /engine-rest/process-instance": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/process-instance": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/process-instance/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/process-instance/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/process-instance/{ada_path}": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API GET /engine-rest/process-instance/{ben_path}/variables": [401, 404, 200, 200, 404, 404, 200, 200, 404, 404],
    "API GET /engine-rest/process-instance/{ada_path}/variables/employee": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API PUT /engine-rest/process-instance/{ada_path}/variables/budget": [401, 403, 404, 403, 403, 404, 404, 400, 404,
                                                                          404],
    "API GET /engine-rest/task":      [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/task":     [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/task/{sam_review}": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API GET /engine-rest/task/{sam_review}/variables": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "API GET /engine-rest/task/{sam_review}/variables/employee": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "API GET /engine-rest/task/{sam_review}/form-variables": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "API POST /engine-rest/task/{sam_review}/complete": [401, 403, 404, 403, 400, 404, 404, 403, 404, 404],
    "API POST /engine-rest/task/{approval}/claim": [401, 404, 403, 403, 404, 404, 400, 403, 404, 404],
    "API POST /engine-rest/task/{approval}/unclaim": [401, 404, 403, 403, 404, 404, 409, 403, 404, 404],
    "API POST /engine-rest/task/{approval}/assignee": [401, 404, 403, 403, 404, 404, 409, 403, 404, 404],
    "API GET /engine-rest/incident":  [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/incident/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/history/process-instance": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/history/process-instance": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/history/process-instance/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/history/process-instance/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/history/task": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/history/task": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/history/task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/history/task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/migration/generate": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "API POST /engine-rest/migration/validate": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "API POST /engine-rest/migration/execute": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "API GET /engine-rest/process-instance/{ada_path}/variables/employee": [401, 200, 404, 200, 200, 404, 404, 200, 404, 404],
    "API GET /engine-rest/task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/task": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/task/{sam_review}/form-variables": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "API GET /engine-rest/task/{sam_review}/variables/employee": [401, 403, 404, 403, 200, 404, 404, 403, 404, 404],
    "API GET /engine-rest/incident/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/history/process-instance/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/history/process-instance": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/history/process-instance/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/history/task": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API GET /engine-rest/history/task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/history/task": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/history/task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/migration/validate": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "API GET /engine-rest/external-task/999999": [401, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    "API GET /engine-rest/external-task/999999/errorDetails": [401, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    "API GET /engine-rest/external-task/topic-names": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/external-task": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/external-task/count": [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "API POST /engine-rest/external-task/999999/complete": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/external-task/999999/failure": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/external-task/999999/bpmnError": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/external-task/999999/extendLock": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/external-task/999999/unlock": [401, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    "API PUT /engine-rest/external-task/999999/retries": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API PUT /engine-rest/external-task/999999/priority": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API PUT /engine-rest/external-task/retries": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "POST /processes/webhooks/":      [302, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "POST /processes/webhooks/999999/remove": [302, 403, 403, 403, 403, 403, 403, 404, 404, 403],
    # Rows that change the scene come last.
    "API POST /api/v1/tasks/{approval}/claim": [401, 404, 403, 404, 404, 404, 200, 404, 404, 404],
    "POST /tasks/{approval}/claim":   [302, 404, 403, 404, 404, 404, 302, 404, 404, 404],
    "POST /notifications/read-all":   [302, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    "POST /pilot/cohorts/{cohort}/start": [302, 403, 403, 403, 403, 403, 403, 302, 403, 403],
    "POST /pilot/cohorts/{cohort}/ask-feedback": [302, 403, 403, 403, 403, 403, 403, 302, 403, 403],
    "POST /pilot/cohorts/{cohort}/members/{cohort_member}/remove": [302, 403, 403, 403, 403, 403, 403, 302, 403, 403],
    "POST /pilot/skills/requirements/{role}/{skill}/delete": [302, 403, 403, 403, 403, 403, 403, 302, 403, 403],
    "POST /paths/start":              [302, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    "POST /login":                    [400, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    "POST /logout":                   [302, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    "API DELETE /engine-rest/process-instance/{ada_path}/variables/nothing": [401, 403, 404, 403, 403, 404, 404, 204,
                                                                              404, 404],
    "API DELETE /engine-rest/process-instance/{ada_path}": [401, 403, 404, 403, 403, 404, 404, 204, 404, 404],
    "API POST /engine-rest/migration/execute": [401, 403, 403, 403, 403, 403, 403, 400, 400, 403],
    "API PUT /engine-rest/process-instance/{ada_path}/variables/note": [401, 403, 404, 403, 404, 404, 404, 400, 404, 404],
    "API POST /engine-rest/process-instance/{ada_path}/variables": [401, 403, 404, 403, 404, 404, 404, 400, 404, 404],
    "API DELETE /engine-rest/process-instance/{ada_path}/variables/note": [401, 403, 404, 403, 404, 404, 404, 409, 404, 404],
    "API POST /engine-rest/task/{sam_review}/unclaim": [401, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    "API POST /engine-rest/task/{sam_review}/assignee": [401, 404, 404, 404, 404, 404, 404, 404, 404, 404],
    "API POST /engine-rest/task/{sam_review}/complete": [401, 403, 404, 403, 400, 404, 404, 403, 404, 404],
    "API DELETE /engine-rest/deployment/999999": [401, 403, 403, 403, 403, 403, 403, 404, 404, 403],
    "API DELETE /engine-rest/process-instance/{ada_path}": [401, 403, 404, 403, 403, 404, 404, 204, 404, 404],
    "API POST /engine-rest/process-definition/key/career_pathing/start": [401, 400, 400, 400, 400, 400, 400, 400, 400, 400],
    "API POST /engine-rest/task/{approval}/claim": [401, 404, 403, 403, 404, 404, 400, 403, 404, 404],
}
# Bodies for rows that need one to mean something (otherwise an empty form or JSON object is sent).
BODIES = {
    "POST /tasks/{sam_review}/delegate": {"user": "sam"},  # the holder gets 409 (already theirs)
    "API POST /api/v1/tasks/{sam_review}/delegate": {"user": "sam"},
    "API POST /api/v1/tasks/{sam_review}/complete": {"data": {}},
    "API POST /api/v1/process-instances/{ada_path}/comments": {"body": "A comment"},
    "POST /paths/{ada_path}/comments": {"body": "A comment"},
    "API POST /engine-rest/process-definition/{career_definition}/start": {"variables": []},
    "API POST /engine-rest/process-definition/key/career_pathing/start": {"variables": []},
    "API POST /engine-rest/process-instance/{ada_path}/variables": {"modifications": []},
    "API POST /engine-rest/task/{sam_review}/complete": {"variables": []},
}


@pytest.fixture
def scene(act):
    """Ada's path at the reviews (Sam asked, Sol done), Ben's at leadership; Pat and Ari added; a cohort with
    Ada, a skill requirement, a token of Hana's, an absence and a notification of Ada's."""
    groups = {g.name: g for g in db.session.scalars(sa.select(Group))}
    for username, name, group in (("pat", "Pat Process", "process-owners"), ("ari", "Ari Admin", "admins")):
        db.session.add(User(username=username, name=name, password_hash=hash_password("demo"),
                            groups=[groups[group]]))
    db.session.commit()
    ada_path = act.start_path("ada")
    act.complete("ada", ada_path, "career_objectives_meeting", **OBJECTIVES)
    act.complete("ada", ada_path, "draft_job_description", **JOB_DESCRIPTION)
    act.complete("mia", ada_path, "select_stakeholders", stakeholders=["sam", "sol"], review_focus="Fit")
    reviews = {t.assignee.username: t for t in act.open_tasks(ada_path, "stakeholder_review")}
    assert act.submit("sol", reviews["sol"], REVIEW).status_code == 302
    ben_path = act.start_path("ben")
    run_to_leadership(act, ben_path, employee="ben")
    approval = act.task(ben_path, "leadership_approval")
    people = {u.username: u for u in db.session.scalars(sa.select(User))}
    cohort = Cohort(name="Pilot", opens_on=date.today(), closes_on=date.today() + timedelta(days=9),
                    process_key="career_pathing", members=[CohortMember(user=people["ada"])])
    family = JobFamily(name="Engineering", roles=[Role(title="Staff Engineer")])
    skill = Skill(name="Mentoring")
    db.session.add_all([cohort, family, skill,
                        ApiToken(user_id=people["hana"].id, name="Modeler", token_hash="0" * 64),
                        ProvisioningToken(name="Identity provider", token_hash="1" * 64),
                        Absence(user_id=people["ada"].id, substitute_id=people["ben"].id, starts_on=date(2030, 1, 1),
                                ends_on=date(2030, 1, 9))])
    db.session.flush()
    db.session.add(RoleSkill(role_id=family.roles[0].id, skill_id=skill.id, required_level=3))
    db.session.commit()
    notification = db.session.scalars(sa.select(Notification).where(Notification.user_id == people["ada"].id)).first()
    return {"ada_path": ada_path.id, "ben_path": ben_path.id, "sam_review": reviews["sam"].id,
            "sol_review": reviews["sol"].id, "approval": approval.id, "cohort": cohort.id,
            "cohort_member": cohort.members[0].id, "role": family.roles[0].id, "skill": skill.id,
            "token": db.session.scalars(sa.select(ApiToken)).one().id, "ada": people["ada"].id,
            "ada_absence": db.session.scalars(sa.select(Absence)).one().id, "ada_notification": notification.id,
            "career_definition": ada_path.process_version.definition_id,
            "provisioning_token": db.session.scalars(sa.select(ProvisioningToken)).one().id}


def split(entry):
    """(uses HTTP Basic, method, path template) of a MATRIX row."""
    api = entry.startswith("API ")
    method, _, path = (entry[4:] if api else entry).partition(" ")
    return api, method, path


def call(act, client, role, entry, ids):
    api, method, path = split(entry)
    path = path.format(**ids)
    body = BODIES.get(entry, {})
    if api:
        headers = {} if role == "anonymous" else {
            "Authorization": "Basic " + base64.b64encode(f"{role}:demo".encode()).decode()}
        return client.open(path, method=method, headers=headers, json=body if method == "POST" else None)
    if role == "anonymous":
        browser = client
    elif path == "/logout":  # logging out ends the session the other rows use
        browser = act.app.test_client()
        assert browser.post("/login", data={"username": role, "password": "demo"}).status_code == 302
    else:
        browser = act.as_(role)
    return browser.open(path, method=method, data=body if method == "POST" else None)


def route_of(app, entry):
    """The app.url_map route a MATRIX row calls, as "METHOD rule" (ids are filled with a sample value)."""
    _api, method, path = split(entry)
    adapter = app.url_map.bind("localhost")
    rule, _args = adapter.match(path.format_map(defaultdict(lambda: "1")), method=method, return_rule=True)
    return f"{method} {rule.rule}"


def test_every_route_has_a_row(app):
    """A new route without a row in MATRIX fails here: say who may call it."""
    covered = {route_of(app, entry) for entry in MATRIX}
    routes = {f"{method} {rule.rule}" for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    missing = sorted(routes - covered)
    assert not missing, ("Routes without a row in tests/web/test_authorization_matrix.py MATRIX (add one line each, "
                         "with the status every role gets):\n  " + "\n  ".join(missing))


def test_authorization_matrix(act, client, scene):
    """Every row, every role, in one scene (rows that change it come last)."""
    wrong = []
    for entry, expected in MATRIX.items():
        actual = []
        for role in ROLES:
            response = call(act, client, role, entry, scene)
            actual.append(response.status_code)
            if response.status_code in (403, 404):
                body = response.get_data(as_text=True)
                assert ("message" in body) or ("<h1>" in body), (role, entry)
            if response.status_code == 302 and role == "anonymous" and not entry.endswith(("/login", "/logout")):
                assert "/login" in response.headers["Location"], entry
            assert response.status_code < 500, (role, entry, response.get_data(as_text=True)[:300])
        if actual != expected:
            wrong.append(f"    {entry!r}: {actual},  # expected {expected}")
    assert not wrong, "Rows whose statuses differ (actual, per role " + ", ".join(ROLES) + "):\n" + "\n".join(wrong)


def test_forbidden_pages_say_why_and_reveal_nothing(act, client, scene):
    page = act.as_("ada").get(f"/tasks/{scene['sam_review']}").get_data(as_text=True)
    assert "is for Sam Patel; you cannot open it" in page
    act.as_("ben").get("/")  # shows (and clears) the messages of Ben's own earlier steps
    hidden = act.as_("ben").get(f"/tasks/{scene['sam_review']}").get_data(as_text=True)
    assert "Sam Patel" not in hidden and "Review goals" not in hidden and "There is no task" in hidden
    assert db.session.get(HumanTask, scene["sam_review"]).status == "open"
