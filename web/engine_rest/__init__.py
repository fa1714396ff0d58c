"""The Camunda 7 REST API under /engine-rest: one module per Camunda resource.

Point a Camunda client (Camunda Modeler, pycamunda, an external-task worker) at
http://HOST:5000/engine-rest with HTTP Basic (username and password) or a bearer
token from /processes/tokens. Credentials are required on every call (no session
cookie). `common` holds the blueprint, authentication and the error mapping;
`variables` converts typed values both ways; each other module is one resource.
"""
from ..errors import error_shape
from .common import bp, camunda_error  # noqa: F401  (the blueprint the app registers)
from . import (deployment, engine_info, history, incident, migration, process_definition,  # noqa: F401,E402
               process_instance, task)  # (each registers its routes on the blueprint)
from . import external_task, message, signal  # noqa: F401,E402

error_shape("/engine-rest", camunda_error)
