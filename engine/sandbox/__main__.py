"""`python -m engine.sandbox FD MEMORY_LIMIT`: a sandbox worker serving the pipe on file descriptor FD.

It lowers its own priority before anything else (imports included), so on a busy machine the web process
is served first."""
import os
import sys

os.nice(10)

from multiprocessing.connection import Connection  # noqa: E402

from engine.sandbox.worker import serve  # noqa: E402

serve(Connection(int(sys.argv[1])), int(sys.argv[2]))
