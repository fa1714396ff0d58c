"""`python -m engine.scripts.sandbox FD MEMORY_LIMIT`: a sandbox worker serving the pipe on file descriptor FD."""
import sys
from multiprocessing.connection import Connection

from engine.scripts.sandbox.worker import serve

serve(Connection(int(sys.argv[1])), int(sys.argv[2]))
