"""The OpenAPI description of /engine-rest's external-task, message and signal resources (Camunda 7's shapes),
added to the app's document beside the other resources (web/engine_rest/openapi.py)."""
from .openapi import (BOOLEAN, DATE, INTEGER, NO_CONTENT, NULLABLE_STRING, PAGING, SORT, STRING, json_answer, obj,
                      operation, path_param, query, ref)

EXTERNAL_TASK = obj({
    "id": STRING, "activityId": STRING, "activityInstanceId": STRING, "errorMessage": NULLABLE_STRING,
    "executionId": STRING, "lockExpirationTime": DATE, "createTime": DATE, "processDefinitionId": STRING,
    "processDefinitionKey": STRING, "processDefinitionVersionTag": NULLABLE_STRING, "processInstanceId": STRING,
    "tenantId": NULLABLE_STRING, "retries": {"type": "integer", "nullable": True}, "suspended": BOOLEAN,
    "workerId": NULLABLE_STRING, "topicName": STRING, "priority": INTEGER, "businessKey": NULLABLE_STRING})
LOCKED_TASK = {"allOf": [EXTERNAL_TASK, obj({"variables": ref("CamundaVariables"), "errorDetails": NULLABLE_STRING,
                                             "extensionProperties": {"type": "object"}})]}
TOPIC = obj({"topicName": STRING, "lockDuration": {"type": "integer", "minimum": 1},
             "variables": {"type": "array", "items": STRING, "nullable": True}, "localVariables": BOOLEAN,
             "businessKey": STRING, "processDefinitionKey": STRING,
             "processDefinitionKeyIn": {"type": "array", "items": STRING},
             "processVariables": {"type": "object"}, "includeExtensionProperties": BOOLEAN},
            ["topicName", "lockDuration"])
FETCH = obj({"workerId": STRING, "maxTasks": {"type": "integer", "minimum": 0}, "usePriority": BOOLEAN,
             "asyncResponseTimeout": {"type": "integer", "minimum": 0, "maximum": 1800000},
             "topics": {"type": "array", "items": TOPIC}}, ["workerId", "maxTasks", "topics"])
WORKER = {"workerId": STRING}
FILTERS = query("externalTaskId", "topicName", "workerId", "locked", "notLocked", "withRetriesLeft",
                "noRetriesLeft", "processInstanceId", "processDefinitionKey", "activityId", "businessKey",
                "priorityHigherThanOrEquals", "priorityLowerThanOrEquals",
                types={name: BOOLEAN for name in ("locked", "notLocked", "withRetriesLeft", "noRetriesLeft")})
CORRELATION = obj({
    "messageName": STRING, "businessKey": STRING, "processInstanceId": STRING,
    "correlationKeys": ref("CamundaVariables"), "localCorrelationKeys": ref("CamundaVariables"),
    "processVariables": ref("CamundaVariables"), "processVariablesLocal": ref("CamundaVariables"),
    "all": BOOLEAN, "resultEnabled": BOOLEAN, "variablesInResultEnabled": BOOLEAN}, ["messageName"])
CORRELATION_RESULT = obj({
    "resultType": {"type": "string", "enum": ["Execution", "ProcessDefinition"]},
    "execution": {"type": "object", "nullable": True}, "processInstance": {"type": "object", "nullable": True},
    "variables": ref("CamundaVariables")})
WORKER_ERRORS = (400, 401, 403, 404, 409)


def connect_paths():
    """The paths of the external-task, message and signal resources."""
    task_id = [path_param("id")]
    listing = json_answer({"type": "array", "items": EXTERNAL_TASK})
    count = json_answer(ref("CamundaCount"))
    retries = obj({"retries": {"type": "integer", "minimum": 0}}, ["retries"])
    return {
        "/engine-rest/external-task/fetchAndLock": {"post": operation(
            "Lock tasks of the topics for a worker (members of `workers`); long polls up to asyncResponseTimeout ms",
            json_answer({"type": "array", "items": LOCKED_TASK}), (), FETCH)},
        "/engine-rest/external-task": {
            "get": operation("External tasks you may see", listing, FILTERS + SORT + PAGING),
            "post": operation("External tasks you may see (query object)", listing, PAGING,
                              obj({p["name"]: p["schema"] for p in FILTERS}))},
        "/engine-rest/external-task/count": {
            "get": operation("How many external tasks", count, FILTERS),
            "post": operation("How many external tasks (query object)", count, (),
                              obj({p["name"]: p["schema"] for p in FILTERS}))},
        "/engine-rest/external-task/topic-names": {"get": operation(
            "The topics of the external tasks you may see", json_answer({"type": "array", "items": STRING}))},
        "/engine-rest/external-task/retries": {"put": operation(
            "Set retries of several tasks (> 0 resolves their incidents)", NO_CONTENT, (),
            obj({"retries": {"type": "integer", "minimum": 0}, "externalTaskIds": {"type": "array", "items": STRING},
                 "processInstanceIds": {"type": "array", "items": STRING}}, ["retries"]), errors=WORKER_ERRORS)},
        "/engine-rest/external-task/{id}": {"get": operation("One external task", json_answer(EXTERNAL_TASK),
                                                             task_id)},
        "/engine-rest/external-task/{id}/errorDetails": {"get": operation(
            "The details of the last failure", {200: {"description": "text", "content": {
                "text/plain": {"schema": STRING}}}}, task_id)},
        "/engine-rest/external-task/{id}/complete": {"post": operation(
            "Complete (the worker holding the lock)", NO_CONTENT, task_id,
            obj(dict(WORKER, variables=ref("CamundaVariables"), localVariables=ref("CamundaVariables")),
                ["workerId"]), errors=WORKER_ERRORS)},
        "/engine-rest/external-task/{id}/failure": {"post": operation(
            "Report a failure: retries left make it fetchable after retryTimeout ms; 0 makes an incident",
            NO_CONTENT, task_id, obj(dict(WORKER, errorMessage=STRING, errorDetails=STRING,
                                          retries={"type": "integer", "minimum": 0},
                                          retryTimeout={"type": "integer", "minimum": 0}), ["workerId", "retries"]),
            errors=WORKER_ERRORS)},
        "/engine-rest/external-task/{id}/bpmnError": {"post": operation(
            "Report a BPMN error, caught by the task's error boundary event", NO_CONTENT, task_id,
            obj(dict(WORKER, errorCode=STRING, errorMessage=STRING, variables=ref("CamundaVariables")),
                ["workerId", "errorCode"]), errors=WORKER_ERRORS)},
        "/engine-rest/external-task/{id}/extendLock": {"post": operation(
            "More time for the worker holding the lock", NO_CONTENT, task_id,
            obj(dict(WORKER, newDuration={"type": "integer", "minimum": 1}), ["workerId", "newDuration"]),
            errors=WORKER_ERRORS)},
        "/engine-rest/external-task/{id}/unlock": {"post": operation(
            "Release the lock", NO_CONTENT, task_id, errors=WORKER_ERRORS)},
        "/engine-rest/external-task/{id}/retries": {"put": operation(
            "Set retries (> 0 resolves the incident)", NO_CONTENT, task_id, retries, errors=WORKER_ERRORS)},
        "/engine-rest/external-task/{id}/priority": {"put": operation(
            "Set the priority", NO_CONTENT, task_id, obj({"priority": INTEGER}, ["priority"]),
            errors=WORKER_ERRORS)},
        "/engine-rest/message": {"post": operation(
            "Correlate a message to waiting paths or start paths with it (400 "
            "MismatchingMessageCorrelationException: none, or several without all)",
            {**NO_CONTENT, **json_answer({"type": "array", "items": CORRELATION_RESULT})}, (), CORRELATION,
            errors=WORKER_ERRORS)},
        "/engine-rest/signal": {"post": operation(
            "Throw a signal to every waiting signal event you may reach", NO_CONTENT, (),
            obj({"name": STRING, "variables": ref("CamundaVariables"), "businessKey": STRING}, ["name"]),
            errors=WORKER_ERRORS)},
    }
