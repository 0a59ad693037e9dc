"""gunicorn's configuration for Dangjian (read by ``dangjian serve`` and the systemd unit).

Every value can be changed through the environment (the unit's ``EnvironmentFile``) without editing
this file. See docs/deploy.md for the reverse proxy in front of it.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Where to listen: loopback, behind the reverse proxy (nginx terminates TLS). A Unix socket works too:
# DANGJIAN_BIND=unix:/run/dangjian/gunicorn.sock
bind = os.environ.get("DANGJIAN_BIND", "127.0.0.1:8000")

# Synchronous workers, one request each: gunicorn's advice of 2 × cores + 1, at most 17 (each worker
# holds a database connection, CONN_MAX_AGE, and about 150 MB once warm). The application is loaded
# once in the master and forked (preload): the workers share its memory, and a failing production
# check (core.checks.refuse_unsafe_production_start, run as dangjian.wsgi loads) stops the master
# before any port is served.
workers = _int("DANGJIAN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 17))
threads = _int("DANGJIAN_THREADS", 1)
preload_app = True
wsgi_app = "dangjian.wsgi:application"

# Timeouts. A whole-district export still runs inside the request (over a minute on a county: issue 15
# point 3 moves long work to a background worker), so a worker may stay silent that long before the
# master kills it; the reverse proxy's proxy_read_timeout must be at least as long.
timeout = _int("DANGJIAN_TIMEOUT", 180)
graceful_timeout = _int("DANGJIAN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("DANGJIAN_KEEPALIVE", 5)
# Recycle a worker now and then (with jitter, so they do not all restart at once): bounds any slow
# growth of a worker's memory.
max_requests = _int("DANGJIAN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("DANGJIAN_MAX_REQUESTS_JITTER", 500)
# A request line or header larger than this is refused (431/400) before Django sees it.
limit_request_line = 8190
limit_request_fields = 100

# The proxies whose X-Forwarded-Proto / X-Forwarded-For gunicorn believes: only with
# DANGJIAN_TRUSTED_PROXIES > 0 (the same setting core.context.client_address reads for the audit
# trail and the lockout), and then only from the addresses in DANGJIAN_PROXY_IPS (the proxy on this
# machine by default). Without a proxy, nobody's forwarded headers are believed.
TRUSTED_PROXIES = _int("DANGJIAN_TRUSTED_PROXIES", 0)
forwarded_allow_ips = os.environ.get("DANGJIAN_PROXY_IPS", "127.0.0.1,::1") if TRUSTED_PROXIES > 0 else ""

# Access log to stdout (journald under systemd). The path without its query string (%(U)s): a search
# for a member's name or ID number never lands in the log. The client's address as the proxy saw it
# ({x-forwarded-for}i) beside the proxy's own (%(h)s); %(M)s is the time taken in milliseconds.
accesslog = os.environ.get("DANGJIAN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("DANGJIAN_SERVER_LOG_LEVEL", "info")
proc_name = "dangjian"
