"""A pool of warm sandbox worker processes, and the conversation with one of them while it runs a script.

Workers are fresh interpreters (spawned, never a fork of this process, which holds database connections and
threads), started lazily on the first script, and they stay warm for the next. A worker that overruns its time
is killed and replaced; so is one that breached its memory limit or died. This process only waits on a pipe
meanwhile, so it keeps serving requests whatever the script does.
"""
import builtins
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

from engine.scripts.expressions import ExpressionSyntaxError
from engine.scripts.restricted import SCRIPT_MEMORY_LIMIT, ScriptError, ScriptLimitExceeded, ScriptTimeout
from engine.scripts.sandbox import codec

log = logging.getLogger(__name__)
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

POOL_SIZE = 2  # warm workers per process; PATHING_SANDBOX_WORKERS overrides
START_TIMEOUT = 30.0  # seconds a new worker may take to say it is ready

_ERRORS = {cls.__name__: cls for cls in (ScriptError, ScriptTimeout, ScriptLimitExceeded, ExpressionSyntaxError)}


class SandboxUnavailable(ScriptError):
    """No sandbox worker could be started, so the script did not run."""


class SandboxWorker:
    """One worker process and this process's end of its pipe.

    The worker is a fresh interpreter (spawned, `python -m engine.scripts.sandbox`), so no database connection,
    lock or thread of this process crosses into it; only its end of the pipe is passed on.
    """

    def __init__(self, memory_limit):
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "engine.scripts.sandbox", str(theirs.fileno()), str(memory_limit)],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, cwd=_PROJECT_ROOT, env=_worker_environment())
        finally:
            theirs.close()
        self.connection = Connection(ours.detach())
        try:
            ready = self.connection.poll(START_TIMEOUT) and codec.decode(self.connection.recv_bytes())["op"] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise SandboxUnavailable("the script sandbox could not be started")

    def alive(self):
        """Whether the process is still running."""
        return self.process.poll() is None

    def stop(self):
        """Kill the process (whatever it is doing), reap it and close the pipe."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.connection.close()


def _worker_environment():
    """The environment a worker starts with: enough to run Python, none of this process's settings (database
    address, secret key, mail password), so a script that got out of its language guard finds nothing."""
    kept = {name: value for name, value in os.environ.items() if name in ("PATH", "LANG", "TZ")
            or name.startswith("LC_")}
    path = [_PROJECT_ROOT] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    return dict(kept, PYTHONPATH=os.pathsep.join(path), PYTHONDONTWRITEBYTECODE="1")


class SandboxPool:
    """Up to `size` workers shared by this process's threads; scripts wait for a free one when all are busy."""

    def __init__(self, size=None, memory_limit=SCRIPT_MEMORY_LIMIT):
        self.size = size or int(os.environ.get("PATHING_SANDBOX_WORKERS", POOL_SIZE))
        self.memory_limit = memory_limit
        self._changed = threading.Condition()
        self._reset()

    def _reset(self):
        self._pid = os.getpid()
        self._idle, self._count = [], 0

    def run(self, request, functions, time_limit):
        """Send one request (a script or expression with its data) to a worker, serve the function calls it
        makes, and return its answer; the time limit is wall-clock time, calls included."""
        request = dict(request, functions=sorted(functions), time_limit=time_limit)
        try:
            payload = codec.encode(request)
        except codec.NotTransferable as exc:
            raise ScriptError(f"the data cannot be handed to the script: {exc}") from None
        worker = self._checkout()
        conversation = _Conversation(worker, functions, time_limit, self.memory_limit)
        try:
            return conversation.run(payload)
        finally:
            if conversation.worker_usable:
                self._checkin(worker)
            else:
                self._discard(worker)

    def warm_up(self):
        """Start the workers now rather than on the first script (benchmarks and servers may want this)."""
        workers = [self._checkout() for _ in range(self.size)]
        for worker in workers:
            self._checkin(worker)

    def close(self):
        """Stop the idle workers (busy ones are stopped when their script ends)."""
        with self._changed:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for worker in idle:
            worker.stop()

    def _checkout(self):
        with self._changed:
            if self._pid != os.getpid():  # this process was forked: the workers belong to the parent
                self._reset()
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        return worker
                    worker.stop()  # ended while idle (killed from outside): start another below
                    self._count -= 1
                if self._count < self.size:
                    break
                self._changed.wait()
            self._count += 1
        try:
            return SandboxWorker(self.memory_limit)
        except BaseException:
            with self._changed:
                self._count -= 1
                self._changed.notify()
            raise

    def _checkin(self, worker):
        with self._changed:
            if self._pid != os.getpid():
                return
            self._idle.append(worker)
            self._changed.notify()

    def _discard(self, worker):
        worker.stop()
        with self._changed:
            self._count -= 1
            self._changed.notify()
        threading.Thread(target=self._replace, name="pathing-sandbox-start", daemon=True).start()

    def _replace(self):
        """Start a worker in place of a discarded one, so the next script finds the pool warm."""
        with self._changed:
            if self._count >= self.size or self._pid != os.getpid():
                return
            self._count += 1
        try:
            worker = SandboxWorker(self.memory_limit)
        except (ScriptError, OSError):
            log.exception("the script sandbox could not start a worker")
            with self._changed:
                self._count -= 1
                self._changed.notify()
            return
        self._checkin(worker)


class _Conversation:
    """One request to one worker: wait for its answer within the time limit, running its function calls."""

    def __init__(self, worker, functions, time_limit, memory_limit):
        self.worker, self.functions = worker, functions
        self.time_limit, self.memory_limit = time_limit, memory_limit
        self.worker_usable = False
        self.failed_call = None  # the exception a diagram function raised here, re-raised if the script ends by it

    def run(self, payload):
        connection = self.worker.connection
        deadline = time.monotonic() + self.time_limit
        try:
            connection.send_bytes(payload)
        except OSError:
            raise SandboxUnavailable("the script sandbox stopped before the script could run; try again") from None
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0 or not connection.poll(remaining):
                    raise ScriptTimeout(f"the script ran longer than {self.time_limit:g} seconds")
                # an answer larger than the worker may send (it refuses to) means the worker is not itself
                message = codec.decode(connection.recv_bytes(codec.MAX_MESSAGE_BYTES + 1024))
            except (EOFError, OSError):
                raise self._ended() from None
            if message["op"] == "call":
                connection.send_bytes(self._call(message))
                continue
            if message["op"] == "done":
                self.worker_usable = True
                return message
            self.worker_usable = not message["breach"]
            raise self._error(message)

    def _call(self, message):
        """Run a diagram function here (where the database session is) and encode its answer."""
        function = self.functions.get(message["name"])
        try:
            if function is None:
                raise ScriptError(f"name {message['name']!r} is not defined")
            return codec.encode({"op": "return", "value": function(*message["args"], **message["kwargs"])})
        except codec.NotTransferable as exc:
            self.failed_call = ScriptError(f"{message['name']}() gave a result the script cannot use: {exc}")
        except Exception as exc:  # the function's failure becomes the script's, as if it had run in-process
            self.failed_call = exc
        text = self.failed_call.args[0] if self.failed_call.args and isinstance(self.failed_call.args[0], str) \
            else str(self.failed_call)
        return codec.encode({"op": "raise", "message": text})

    def _ended(self):
        """The worker died mid-request: the kernel ended it for its CPU time, or it broke another limit."""
        try:
            code = self.worker.process.wait(1)
        except subprocess.TimeoutExpired:
            code = None
        if code == -signal.SIGXCPU:
            return ScriptTimeout(f"the script ran longer than {self.time_limit:g} seconds")
        return ScriptLimitExceeded(f"the script exceeded the limits of its sandbox (more than "
                                   f"{self.memory_limit // (1024 * 1024)} MB of memory or "
                                   f"{self.time_limit:g} seconds)")

    def _error(self, message):
        """The exception the script ended with, rebuilt here with its type name and message."""
        if message["callback"] and self.failed_call is not None:
            return self.failed_call
        kind, text = message["type"], message["message"]
        cls = _ERRORS.get(kind)
        if cls is None:
            found = getattr(builtins, kind, None)
            cls = found if isinstance(found, type) and issubclass(found, Exception) else None
        if cls is not None:
            try:
                return cls(text)
            except TypeError:  # a builtin whose constructor wants more than a message
                pass
        return type(kind, (ScriptError,), {})(text)


_pools = {}
_pools_lock = threading.Lock()


def shared_pool(memory_limit=SCRIPT_MEMORY_LIMIT):
    """This process's pool for scripts with `memory_limit` (created on first use, workers started lazily)."""
    with _pools_lock:
        pool = _pools.get(memory_limit)
        if pool is None:
            pool = _pools[memory_limit] = SandboxPool(memory_limit=memory_limit)
        return pool
