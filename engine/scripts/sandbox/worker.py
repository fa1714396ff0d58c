"""One sandbox worker process: it limits itself with the operating system (address space, CPU time, no core
files), then runs diagram scripts and expressions sent over its pipe, one at a time, under RestrictedPython.

Functions a diagram calls (`people`, `notify`, ...) are not run here: the worker asks the process that sent the
script to run them, so the database session and its transaction stay there. Their arguments cross as data, so
a generator handed to a function is first run to a list here, under this process's limits.
"""
import resource
import signal
from collections.abc import Iterator
from types import ModuleType

from engine.scripts.restricted import LocalEnvironment, ScriptError, ScriptLimitExceeded
from engine.scripts.sandbox import codec


def _address_space_in_use():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


def apply_limits(memory_limit):
    """Cap this process's address space at what it uses now plus `memory_limit`, and forbid core files."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = _address_space_in_use() + memory_limit
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def allow_cpu_seconds(seconds):
    """Let the next task use `seconds` more CPU time; past that the kernel ends this process (SIGXCPU)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(used + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


class CallbackFailed(ScriptError):
    """A function the diagram called failed in the process that ran it."""


class _Caller:
    """Calls a diagram function by asking the parent process over the pipe."""

    def __init__(self, connection):
        self.connection = connection

    def proxy(self, name):
        def call(*args, **kwargs):
            request = {"op": "call", "name": name, "args": [_materialize(a) for a in args],
                       "kwargs": {key: _materialize(value) for key, value in kwargs.items()}}
            try:
                self.connection.send_bytes(codec.encode(request))
            except codec.NotTransferable as exc:
                raise ScriptError(f"{name}() cannot be given this: {exc}") from None
            answer = codec.decode(self.connection.recv_bytes())
            if answer["op"] == "raise":
                raise CallbackFailed(answer["message"])
            return answer["value"]
        call.__name__ = name
        return call


def _materialize(value):
    """Arguments cross as data: an iterator (a generator, map, filter) becomes the list it yields."""
    if isinstance(value, (Iterator, range)) or type(value).__name__ in ("dict_keys", "dict_values", "dict_items"):
        return [_materialize(item) for item in value]
    if isinstance(value, list):
        return [_materialize(item) for item in value]
    if isinstance(value, dict):
        return {key: _materialize(item) for key, item in value.items()}
    return value


def _written_back(environment, scope, context):
    """The context after a script: what it deleted is gone, what it set is there (functions left out)."""
    result = {name: value for name, value in context.items() if name in scope}
    for name, value in scope.items():
        if name in environment.globals or name.startswith("_") or callable(value) or isinstance(value, ModuleType):
            continue
        result[name] = value
    return result


def _run(environment, request):
    context = request["context"]
    if request["op"] == "eval":
        value = environment.evaluate_here(request["code"], context, request["external"])
        return {"op": "done", "value": _materialize(value)}  # `range(3)` as a collection arrives as a list
    scope = environment.execute_here(request["code"], context, request["external"])
    return {"op": "done", "context": _written_back(environment, scope, context)}


def _failure(exc, breach=False):
    message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    return {"op": "error", "type": exc.__class__.__name__, "message": message, "breach": breach,
            "callback": isinstance(exc, CallbackFailed)}


def serve(connection, memory_limit):
    """The worker's main loop: apply the limits, then answer requests until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal stops the parent, which ends us
    apply_limits(memory_limit)
    caller = _Caller(connection)
    environments = {}
    connection.send_bytes(codec.encode({"op": "ready"}))
    while True:
        try:
            request = codec.decode(connection.recv_bytes())
        except EOFError:
            return
        names = tuple(request["functions"])
        environment = environments.get(names)
        if environment is None:
            environment = environments[names] = LocalEnvironment({name: caller.proxy(name) for name in names})
        allow_cpu_seconds(request["time_limit"])
        try:
            answer = codec.encode(_run(environment, request))
        except MemoryError:
            answer = codec.encode(_failure(ScriptLimitExceeded(
                f"the script used more than {memory_limit // (1024 * 1024)} MB of memory"), breach=True))
        except codec.NotTransferable as exc:
            answer = codec.encode(_failure(ScriptError(f"the script's result cannot be kept: {exc}")))
        except Exception as exc:  # the script's own error, reported to the parent as the script's failure
            answer = codec.encode(_failure(exc))
        connection.send_bytes(answer)

