"""The OpenAPI description of /engine-rest, added to the app's one document (/api/v1/openapi.json).

Kept by hand beside the resources it describes: the shapes are Camunda 7's, not ours, so they are written down
as Camunda documents them rather than derived from marshmallow schemas.
"""

TAG = "engine-rest (Camunda 7)"
STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
NULLABLE_STRING = {"type": "string", "nullable": True}
DATE = {"type": "string", "nullable": True, "example": "2026-11-30T10:00:00.000+0000",
        "description": "Camunda's date format yyyy-MM-dd'T'HH:mm:ss.SSSZ"}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties, required=()):
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


SCHEMAS = {
    "CamundaError": obj({"type": STRING, "message": STRING, "errors": {"type": "object"}}, ["type", "message"]),
    "CamundaCount": obj({"count": INTEGER}, ["count"]),
    "CamundaTypedValue": obj({
        "value": {"nullable": True, "description": "text, number, boolean, Camunda date text or JSON text"},
        "type": {"type": "string", "nullable": True,
                 "enum": ["String", "Boolean", "Integer", "Short", "Long", "Double", "Date", "Json", "Object",
                          "Null", None]},
        "valueInfo": {"type": "object", "nullable": True}}, ["value"]),
    "CamundaVariables": {"type": "object", "additionalProperties": ref("CamundaTypedValue")},
    "CamundaLink": obj({"method": STRING, "href": STRING, "rel": STRING}),
    "CamundaProcessDefinition": obj({
        "id": STRING, "key": STRING, "name": STRING, "version": INTEGER, "category": STRING,
        "description": NULLABLE_STRING, "versionTag": NULLABLE_STRING, "resource": STRING,
        "deploymentId": STRING, "diagram": NULLABLE_STRING, "suspended": BOOLEAN, "tenantId": NULLABLE_STRING,
        "historyTimeToLive": {"type": "integer", "nullable": True}, "startableInTasklist": BOOLEAN}),
    "CamundaDefinitionXml": obj({"id": STRING, "bpmn20Xml": STRING}),
    "CamundaDeployment": obj({"id": STRING, "name": NULLABLE_STRING, "source": NULLABLE_STRING,
                              "tenantId": NULLABLE_STRING, "deploymentTime": DATE,
                              "links": {"type": "array", "items": ref("CamundaLink")}}),
    "CamundaDeploymentWithDefinitions": obj({
        "id": STRING, "name": NULLABLE_STRING, "source": NULLABLE_STRING, "tenantId": NULLABLE_STRING,
        "deploymentTime": DATE, "links": {"type": "array", "items": ref("CamundaLink")},
        "deployedProcessDefinitions": {"type": "object", "nullable": True,
                                       "additionalProperties": ref("CamundaProcessDefinition")}}),
    "CamundaStart": obj({"businessKey": NULLABLE_STRING, "variables": ref("CamundaVariables"),
                         "withVariablesInReturn": BOOLEAN}),
    "CamundaProcessInstance": obj({
        "id": STRING, "definitionId": STRING, "businessKey": NULLABLE_STRING, "caseInstanceId": NULLABLE_STRING,
        "ended": BOOLEAN, "suspended": BOOLEAN, "tenantId": NULLABLE_STRING,
        "links": {"type": "array", "items": ref("CamundaLink")}, "variables": ref("CamundaVariables")}),
    "CamundaVariableFilter": obj({"name": STRING, "operator": {"type": "string", "enum": [
        "eq", "neq", "gt", "gteq", "lt", "lteq", "like"]}, "value": {}}, ["name", "operator", "value"]),
    "CamundaSorting": obj({"sortBy": STRING, "sortOrder": {"type": "string", "enum": ["asc", "desc"]}}),
    "CamundaProcessInstanceQuery": obj({
        "processInstanceIds": {"type": "array", "items": STRING}, "businessKey": STRING,
        "businessKeyLike": STRING, "processDefinitionKey": STRING, "processDefinitionId": STRING,
        "active": BOOLEAN, "suspended": BOOLEAN, "withIncident": BOOLEAN,
        "variables": {"type": "array", "items": ref("CamundaVariableFilter")},
        "sorting": {"type": "array", "items": ref("CamundaSorting")}}),
    "CamundaVariablesModification": obj({"modifications": ref("CamundaVariables"),
                                         "deletions": {"type": "array", "items": STRING}}),
    "CamundaTask": obj({
        "id": STRING, "name": STRING, "assignee": NULLABLE_STRING, "owner": NULLABLE_STRING, "created": DATE,
        "lastUpdated": DATE, "due": DATE, "followUp": DATE, "delegationState": NULLABLE_STRING,
        "description": NULLABLE_STRING, "executionId": STRING, "parentTaskId": NULLABLE_STRING,
        "priority": INTEGER, "processDefinitionId": STRING, "processInstanceId": STRING,
        "taskDefinitionKey": STRING, "caseExecutionId": NULLABLE_STRING, "caseInstanceId": NULLABLE_STRING,
        "caseDefinitionId": NULLABLE_STRING, "suspended": BOOLEAN, "formKey": NULLABLE_STRING,
        "camundaFormRef": {"type": "object", "nullable": True}, "tenantId": NULLABLE_STRING,
        "taskState": STRING}),
    "CamundaTaskQuery": obj({
        "assignee": STRING, "owner": STRING, "candidateUser": STRING, "candidateGroup": STRING,
        "assigned": BOOLEAN, "unassigned": BOOLEAN, "processInstanceId": STRING,
        "processInstanceBusinessKey": STRING, "processDefinitionKey": STRING, "processDefinitionId": STRING,
        "taskDefinitionKey": STRING, "name": STRING, "nameLike": STRING, "dueBefore": DATE, "dueAfter": DATE,
        "followUpBefore": DATE, "followUpAfter": DATE, "createdBefore": DATE, "createdAfter": DATE,
        "sorting": {"type": "array", "items": ref("CamundaSorting")}}),
    "CamundaUserId": obj({"userId": NULLABLE_STRING}),
    "CamundaComplete": obj({"variables": ref("CamundaVariables"), "withVariablesInReturn": BOOLEAN}),
    "CamundaIncident": obj({
        "id": STRING, "processDefinitionId": STRING, "processInstanceId": STRING, "executionId": STRING,
        "incidentTimestamp": DATE, "incidentType": STRING, "activityId": NULLABLE_STRING,
        "failedActivityId": NULLABLE_STRING, "causeIncidentId": STRING, "rootCauseIncidentId": STRING,
        "configuration": NULLABLE_STRING, "tenantId": NULLABLE_STRING, "incidentMessage": NULLABLE_STRING,
        "jobDefinitionId": NULLABLE_STRING, "annotation": NULLABLE_STRING}),
    "CamundaHistoricProcessInstance": obj({
        "id": STRING, "businessKey": NULLABLE_STRING, "processDefinitionId": STRING,
        "processDefinitionKey": STRING, "processDefinitionName": STRING, "processDefinitionVersion": INTEGER,
        "startTime": DATE, "endTime": DATE, "durationInMillis": {"type": "integer", "nullable": True},
        "startUserId": NULLABLE_STRING, "deleteReason": NULLABLE_STRING,
        "state": {"type": "string", "enum": ["ACTIVE", "COMPLETED", "EXTERNALLY_TERMINATED"]}}),
    "CamundaHistoricTask": obj({
        "id": STRING, "processDefinitionKey": STRING, "processDefinitionId": STRING, "processInstanceId": STRING,
        "executionId": STRING, "activityInstanceId": STRING, "name": STRING, "deleteReason": NULLABLE_STRING,
        "owner": NULLABLE_STRING, "assignee": NULLABLE_STRING, "startTime": DATE, "endTime": DATE,
        "duration": {"type": "integer", "nullable": True}, "taskDefinitionKey": STRING, "priority": INTEGER,
        "due": DATE, "followUp": DATE, "taskState": STRING}),
    "CamundaMigrationInstruction": obj({"sourceActivityIds": {"type": "array", "items": STRING},
                                        "targetActivityIds": {"type": "array", "items": STRING},
                                        "updateEventTrigger": BOOLEAN}),
    "CamundaMigrationPlan": obj({"sourceProcessDefinitionId": STRING, "targetProcessDefinitionId": STRING,
                                 "instructions": {"type": "array", "items": ref("CamundaMigrationInstruction")},
                                 "variables": {"type": "object", "nullable": True}},
                                ["sourceProcessDefinitionId", "targetProcessDefinitionId"]),
    "CamundaMigrationValidation": obj({"instructionReports": {"type": "array", "items": {"type": "object"}},
                                       "variableReports": {"type": "object"}}),
    "CamundaMigrationExecution": obj({"migrationPlan": ref("CamundaMigrationPlan"),
                                      "processInstanceIds": {"type": "array", "items": STRING},
                                      "processInstanceQuery": ref("CamundaProcessInstanceQuery"),
                                      "skipCustomListeners": BOOLEAN, "skipIoMappings": BOOLEAN},
                                     ["migrationPlan"]),
}

ERRORS = {status: {"description": text, "content": {"application/json": {"schema": ref("CamundaError")}}}
          for status, text in ((400, "InvalidRequestException: the request names what is wrong"),
                               (401, "credentials missing or wrong"),
                               (403, "AuthorizationException: visible but not yours to do"),
                               (404, "InvalidRequestException: not found, or not visible to you"),
                               (409, "the state does not allow it (already claimed, running paths, ...)"))}
PAGING = [{"name": "firstResult", "in": "query", "schema": {"type": "integer", "minimum": 0}},
          {"name": "maxResults", "in": "query", "schema": {"type": "integer", "minimum": 0}}]
SORT = [{"name": "sortBy", "in": "query", "schema": STRING},
        {"name": "sortOrder", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}}]


def query(*names, types=None):
    """Query parameters (text unless `types` says otherwise)."""
    types = types or {}
    return [{"name": name, "in": "query", "schema": types.get(name, STRING)} for name in names]


def path_param(name):
    return {"name": name, "in": "path", "required": True, "schema": STRING}


def json_answer(schema, status=200, description="OK"):
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


def operation(summary, answers, parameters=(), body=None, errors=(400, 401, 403, 404)):
    entry = {"tags": [TAG], "summary": summary, "security": [{"basicAuth": []}, {"bearerAuth": []}],
             "parameters": list(parameters), "responses": {**answers, **{s: ERRORS[s] for s in errors}}}
    if body is not None:
        entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return entry


NO_CONTENT = {204: {"description": "Done"}}
LIST = {"type": "array"}


def listing(item):
    return dict(LIST, items=ref(item))


TASK_FILTERS = query("assignee", "owner", "candidateUser", "candidateGroup", "assigned", "unassigned",
                     "processInstanceId", "processInstanceBusinessKey", "processDefinitionKey",
                     "processDefinitionId", "taskDefinitionKey", "name", "nameLike", "dueBefore", "dueAfter",
                     "dueDate", "followUpBefore", "followUpAfter", "createdBefore", "createdAfter",
                     types={"assigned": BOOLEAN, "unassigned": BOOLEAN})
INSTANCE_FILTERS = query("processInstanceIds", "businessKey", "businessKeyLike", "processDefinitionKey",
                         "processDefinitionKeyIn", "processDefinitionId", "deploymentId", "active", "suspended",
                         "withIncident", "variables",
                         types={"active": BOOLEAN, "suspended": BOOLEAN, "withIncident": BOOLEAN})
DEFINITION_FILTERS = query("key", "keysIn", "name", "version", "deploymentId", "processDefinitionId",
                           "latestVersion", types={"latestVersion": BOOLEAN})
DEPLOYMENT_FILTERS = query("id", "name", "nameLike", "source", "tenantIdIn")
INCIDENT_FILTERS = query("processInstanceId", "incidentId", "processDefinitionId", "processDefinitionKeyIn",
                         "incidentType", "activityId")
HISTORY_INSTANCE_FILTERS = query("processInstanceId", "processInstanceIds", "processInstanceBusinessKey",
                                 "processDefinitionKey", "processDefinitionId", "finished", "unfinished",
                                 "withIncidents", "state", "startedBy", "startedBefore", "startedAfter",
                                 "finishedBefore", "finishedAfter",
                                 types={"finished": BOOLEAN, "unfinished": BOOLEAN, "withIncidents": BOOLEAN})
HISTORY_TASK_FILTERS = query("taskId", "processInstanceId", "processInstanceBusinessKey", "processDefinitionKey",
                             "taskDefinitionKey", "taskAssignee", "taskName", "finished", "unfinished",
                             "processFinished", "taskDueBefore", "taskDueAfter", "startedBefore", "startedAfter",
                             "finishedBefore", "finishedAfter",
                             types={"finished": BOOLEAN, "unfinished": BOOLEAN, "processFinished": BOOLEAN})


def _body_of(parameters):
    """A POST query object with the same names as the GET parameters, plus `sorting`."""
    properties = {p["name"]: p["schema"] for p in parameters}
    properties["sorting"] = {"type": "array", "items": ref("CamundaSorting")}
    return obj(properties)


def _paths():
    count = json_answer(ref("CamundaCount"))
    variables = json_answer(ref("CamundaVariables"))
    typed = json_answer(ref("CamundaTypedValue"))
    task_id, instance_id, definition_id = path_param("id"), path_param("id"), path_param("id")
    names = query("variableNames")
    return {
        "/engine-rest/engine": {"get": operation("The process engines (one: default)", json_answer(LIST))},
        "/engine-rest/version": {"get": operation("The Camunda 7 version this dialect follows",
                                                  json_answer(obj({"version": STRING})))},
        "/engine-rest/deployment": {"get": operation("Deployments (process owners)", json_answer(
            listing("CamundaDeployment")), DEPLOYMENT_FILTERS + PAGING)},
        "/engine-rest/deployment/count": {"get": operation("How many deployments", count, DEPLOYMENT_FILTERS)},
        "/engine-rest/deployment/create": {"post": {
            **operation("Deploy .bpmn, .dmn and .form resources (multipart; process owners)",
                        json_answer(ref("CamundaDeploymentWithDefinitions"))),
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": obj({
                "deployment-name": STRING, "deployment-source": STRING, "enable-duplicate-filtering": STRING,
                "deploy-changed-only": STRING, "tenant-id": STRING,
                "data": {"type": "string", "format": "binary"}})}}}}},
        "/engine-rest/deployment/{id}": {
            "get": operation("One deployment", json_answer(ref("CamundaDeployment")), [path_param("id")]),
            "delete": operation("Remove a deployment (cascade=true also removes its paths)", NO_CONTENT,
                                [path_param("id")] + query("cascade", types={"cascade": BOOLEAN}),
                                errors=(400, 401, 403, 404, 409))},
        "/engine-rest/process-definition": {"get": operation("Process definitions", json_answer(
            listing("CamundaProcessDefinition")), DEFINITION_FILTERS + PAGING)},
        "/engine-rest/process-definition/count": {"get": operation("How many definitions", count,
                                                                   DEFINITION_FILTERS)},
        "/engine-rest/process-definition/{id}": {"get": operation(
            "One definition", json_answer(ref("CamundaProcessDefinition")), [definition_id])},
        "/engine-rest/process-definition/{id}/xml": {"get": operation(
            "Its BPMN XML", json_answer(ref("CamundaDefinitionXml")), [definition_id])},
        "/engine-rest/process-definition/{id}/start": {"post": operation(
            "Start a path of this version", json_answer(ref("CamundaProcessInstance")), [definition_id],
            ref("CamundaStart"))},
        "/engine-rest/process-definition/key/{key}": {"get": operation(
            "The newest definition of a key", json_answer(ref("CamundaProcessDefinition")), [path_param("key")])},
        "/engine-rest/process-definition/key/{key}/xml": {"get": operation(
            "The newest definition's BPMN XML", json_answer(ref("CamundaDefinitionXml")), [path_param("key")])},
        "/engine-rest/process-definition/key/{key}/start": {"post": operation(
            "Start a path of the newest version (businessKey: the employee's username)",
            json_answer(ref("CamundaProcessInstance")), [path_param("key")], ref("CamundaStart"))},
        "/engine-rest/process-instance": {
            "get": operation("Running paths you may see", json_answer(listing("CamundaProcessInstance")),
                             INSTANCE_FILTERS + SORT + PAGING),
            "post": operation("Running paths you may see (query object)",
                              json_answer(listing("CamundaProcessInstance")), PAGING,
                              ref("CamundaProcessInstanceQuery"))},
        "/engine-rest/process-instance/count": {
            "get": operation("How many running paths", count, INSTANCE_FILTERS),
            "post": operation("How many running paths (query object)", count, (),
                              ref("CamundaProcessInstanceQuery"))},
        "/engine-rest/process-instance/{id}": {
            "get": operation("One path", json_answer(ref("CamundaProcessInstance")), [instance_id]),
            "delete": operation("Cancel a running path (HR, process owners)", NO_CONTENT,
                                [instance_id] + query("deleteReason"), errors=(400, 401, 403, 404, 409))},
        "/engine-rest/process-instance/{id}/variables": {
            "get": operation("The path's variables", variables, [instance_id] + names),
            "post": operation("Set and remove variables (HR, process owners)", NO_CONTENT, [instance_id],
                              ref("CamundaVariablesModification"), errors=(400, 401, 403, 404, 409))},
        "/engine-rest/process-instance/{id}/variables/{varName}": {
            "get": operation("One variable", typed, [instance_id, path_param("varName")]),
            "put": operation("Set one variable (HR, process owners)", NO_CONTENT,
                             [instance_id, path_param("varName")], ref("CamundaTypedValue"),
                             errors=(400, 401, 403, 404, 409)),
            "delete": operation("Remove one variable (HR, process owners)", NO_CONTENT,
                                [instance_id, path_param("varName")], errors=(400, 401, 403, 404, 409))},
        "/engine-rest/task": {
            "get": operation("Open tasks you may see", json_answer(listing("CamundaTask")),
                             TASK_FILTERS + SORT + PAGING),
            "post": operation("Open tasks you may see (query object)", json_answer(listing("CamundaTask")),
                              PAGING, ref("CamundaTaskQuery"))},
        "/engine-rest/task/count": {
            "get": operation("How many open tasks", count, TASK_FILTERS),
            "post": operation("How many open tasks (query object)", count, (), ref("CamundaTaskQuery"))},
        "/engine-rest/task/{id}": {"get": operation("One open task", json_answer(ref("CamundaTask")), [task_id])},
        "/engine-rest/task/{id}/claim": {"post": operation(
            "Claim a group task for yourself", NO_CONTENT, [task_id], ref("CamundaUserId"),
            errors=(400, 401, 403, 404, 409))},
        "/engine-rest/task/{id}/unclaim": {"post": operation(
            "Give a claimed task back to its group", NO_CONTENT, [task_id], errors=(400, 401, 403, 404, 409))},
        "/engine-rest/task/{id}/assignee": {"post": operation(
            "Claim (yourself), delegate (someone else) or give back (null)", NO_CONTENT, [task_id],
            ref("CamundaUserId"), errors=(400, 401, 403, 404, 409))},
        "/engine-rest/task/{id}/complete": {"post": operation(
            "Complete with variables (checked by the task's form)",
            {**NO_CONTENT, **json_answer(ref("CamundaVariables"))}, [task_id], ref("CamundaComplete"),
            errors=(400, 401, 403, 404, 409))},
        "/engine-rest/task/{id}/form-variables": {"get": operation(
            "The values the task's form starts from", variables, [task_id] + names)},
        "/engine-rest/task/{id}/variables": {"get": operation("The variables the task sees", variables,
                                                              [task_id] + names)},
        "/engine-rest/task/{id}/variables/{varName}": {"get": operation(
            "One variable the task sees", typed, [task_id, path_param("varName")])},
        "/engine-rest/incident": {"get": operation("Open incidents", json_answer(listing("CamundaIncident")),
                                                   INCIDENT_FILTERS + SORT + PAGING)},
        "/engine-rest/incident/count": {"get": operation("How many open incidents", count, INCIDENT_FILTERS)},
        "/engine-rest/history/process-instance": {
            "get": operation("Paths, running or ended", json_answer(listing("CamundaHistoricProcessInstance")),
                             HISTORY_INSTANCE_FILTERS + SORT + PAGING),
            "post": operation("Paths, running or ended (query object: the same names, plus sorting)",
                              json_answer(listing("CamundaHistoricProcessInstance")), PAGING,
                              _body_of(HISTORY_INSTANCE_FILTERS))},
        "/engine-rest/history/process-instance/count": {
            "get": operation("How many paths", count, HISTORY_INSTANCE_FILTERS),
            "post": operation("How many paths (query object)", count, (), _body_of(HISTORY_INSTANCE_FILTERS))},
        "/engine-rest/history/task": {
            "get": operation("Tasks, open or ended", json_answer(listing("CamundaHistoricTask")),
                             HISTORY_TASK_FILTERS + SORT + PAGING),
            "post": operation("Tasks, open or ended (query object: the same names, plus sorting)",
                              json_answer(listing("CamundaHistoricTask")), PAGING, _body_of(HISTORY_TASK_FILTERS))},
        "/engine-rest/history/task/count": {
            "get": operation("How many tasks", count, HISTORY_TASK_FILTERS),
            "post": operation("How many tasks (query object)", count, (), _body_of(HISTORY_TASK_FILTERS))},
        "/engine-rest/migration/generate": {"post": operation(
            "A plan between two versions (process owners)", json_answer(ref("CamundaMigrationPlan")), (),
            obj({"sourceProcessDefinitionId": STRING, "targetProcessDefinitionId": STRING},
                ["sourceProcessDefinitionId", "targetProcessDefinitionId"]))},
        "/engine-rest/migration/validate": {"post": operation(
            "Check a plan's instructions", json_answer(ref("CamundaMigrationValidation")), (),
            obj({"migrationPlan": ref("CamundaMigrationPlan")}, ["migrationPlan"]))},
        "/engine-rest/migration/execute": {"post": operation(
            "Move paths to the plan's target, all or none", NO_CONTENT, (), ref("CamundaMigrationExecution"))},
    }


def document(api, extra_paths=None):
    """Add /engine-rest's schemas, security schemes and paths (plus `extra_paths` from other resources) to the
    app's OpenAPI document."""
    spec = api.spec
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    spec.components.security_scheme("basicAuth", {"type": "http", "scheme": "basic"})
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                   "description": "an API token from /processes/tokens"})
    spec.tag({"name": TAG, "description": "The Camunda 7 REST API subset: same paths, parameters and JSON "
                                          "shapes; errors are {\"type\", \"message\"}."})
    plugins = spec.plugins  # the Flask plugin derives paths from view rules; these are written out in full
    spec.plugins = []
    try:
        for path, operations in {**_paths(), **(extra_paths or {})}.items():
            spec.path(path=path, operations=operations)
    finally:
        spec.plugins = plugins
