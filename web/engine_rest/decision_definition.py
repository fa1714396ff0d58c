"""The decision-definition resource: decisions (DMN) deployed as resources of their own."""


def decision_json(row):
    """A decision definition (a ResourceDefinition of kind "decision") as Camunda's REST API describes it."""
    return {"id": row.definition_id, "key": row.key, "name": row.name, "version": row.version,
            "category": "http://camunda.org/schema/1.0/dmn", "resource": row.resource,
            "deploymentId": str(row.deployment_id or ""), "decisionRequirementsDefinitionId": None,
            "decisionRequirementsDefinitionKey": None,
            "tenantId": row.deployment.tenant_id if row.deployment else None,
            "historyTimeToLive": None, "versionTag": None}
