"""gunicorn settings for studytrack: `gunicorn -c gunicorn.conf.py studytrack.wsgi:app`.

Every value can be changed from the environment (the same file the service reads, see
docs/deployment.md); the app's own settings are the STUDYTRACK_* variables.

    STUDYTRACK_BIND      where to listen                  default 127.0.0.1:8000 (nginx in front)
    STUDYTRACK_WORKERS   worker processes                 default 2 x CPU cores + 1, at most 8
    STUDYTRACK_TIMEOUT   seconds a request may take       default 120 (the yearly archive, PDFs)
    FORWARDED_ALLOW_IPS  proxies trusted for the scheme   default 127.0.0.1,::1 (gunicorn's own)

With more than one worker (or more than one host) set STUDYTRACK_RATELIMIT_STORAGE_URI to a
Redis URL, or every worker counts login attempts on its own.
"""

import multiprocessing
import os

MAX_DEFAULT_WORKERS = 8

wsgi_app = "studytrack.wsgi:app"
bind = os.environ.get("STUDYTRACK_BIND") or "127.0.0.1:8000"

# Synchronous workers: the app is CPU- and database-bound, nginx buffers slow clients.
# Each worker creates its own app after the fork (no preload), so it opens its own database
# and Redis connections.
worker_class = "sync"
workers = int(
    os.environ.get("STUDYTRACK_WORKERS")
    or min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS)
)
preload_app = False

# A yearly archive with PDFs can take a minute; give nginx a matching proxy_read_timeout.
timeout = int(os.environ.get("STUDYTRACK_TIMEOUT") or 120)
graceful_timeout = 30
# Recycle workers now and then, so a slow leak in a library never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# gunicorn's access log is off: the app writes one line per request itself, on the
# "studytrack.request" logger (STUDYTRACK_LOG_FORMAT=json|text), without query strings.
# gunicorn's own messages (start, stop, worker timeouts) go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("STUDYTRACK_GUNICORN_LOG_LEVEL") or "info"

# gunicorn sets wsgi.url_scheme from X-Forwarded-Proto only for connections from these
# addresses. The client address, host and prefix come from werkzeug's ProxyFix instead
# (STUDYTRACK_PROXY_FIX_HOPS). When nginx runs on another host, put its address here;
# "*" only when nothing but the proxy can reach gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

proc_name = "studytrack"

# gunicorn's control socket (gunicornc, in $HOME or $XDG_RUNTIME_DIR) is not used: systemd
# restarts and reloads with signals. Older gunicorn versions ignore this name.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Decode the PDF's Chinese fonts as each worker starts (about 1.5 s, once per process),
    so no user's first PDF waits for them."""
    from studytrack.exports import pdf

    pdf.load_fonts()
