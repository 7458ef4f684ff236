"""gunicorn's settings for the workers of ``make prod`` (the socket and the graceful timeout
are on the command line in deploy/supervisord.conf.j2).

Each worker socket has a gunicorn master of its own, run by supervisord, with one uvicorn
worker: the master imports and starts the app once (``asgi:preloaded_app()``) and forks the
worker from it, and when the worker dies the master forks a new one at once (it wakes on
SIGCHLD), so a killed worker is back within a fraction of a second instead of a fresh
interpreter's import time. Meanwhile the master keeps the socket listening: connections wait
in its backlog for the new worker, and nginx retries a request the dead worker dropped on
another worker.

One master per socket rather than one per group keeps nginx's view of the workers (one
upstream server per worker, each with its own ``max_conns``) and lets a release switch restart
one worker at a time through supervisorctl.

The worker is uvicorn-worker's, with a protocol that sends each response's head and body in one
write (deploy/whole_responses.py): a worker killed mid-request has then sent nothing, and nginx
retries the request on another worker, or everything.
"""

import ctypes
import os
import signal

worker_class = "whole_responses.WholeResponseWorker"
workers = 1
preload_app = True
# gunicorn >= 25.1 listens on a control socket in $HOME by default, one path for every master.
control_socket_disable = True
# uvicorn's own default; nginx keeps idle connections to the workers (upstream keepalive).
keepalive = 5
# nginx writes the access log; gunicorn's error log goes to stderr, which supervisord keeps.
accesslog = None
errorlog = "-"

PR_SET_PDEATHSIG = 1


def post_fork(server, worker):
    """The worker ends with its master: a master killed with SIGKILL leaves no worker serving an
    old release on a socket file the next master has replaced."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != worker.ppid:  # the master died before prctl took effect
        os._exit(0)
