"""The WSGI application (gunicorn via ``dangjian serve`` and deploy/gunicorn.conf.py, ``runserver``).

In production it refuses to load (ImproperlyConfigured: the server exits) while a security check
fails, such as an active demo account or superuser: see core.checks.refuse_unsafe_production_start.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
application = get_wsgi_application()

from dangjian.core.checks import refuse_unsafe_production_start  # noqa: E402 - needs the apps loaded

refuse_unsafe_production_start()

# Garbage collection tuned for a request/response server: everything loaded at start-up is frozen
# out of the collector's scans, and the youngest generation is collected after 50,000 allocations
# instead of 700. The heavy pages (a district's compliance table builds some 40,000 small objects)
# otherwise pay for full scans in unlucky requests: on the county demo, SQLite, the table's p95 was
# 206 ms with the defaults and 175–194 ms tuned, the root organization page's 119 ms and 88 ms.
# (This needs connections closed by Django, not by the collector: see CONN_MAX_AGE in settings.)
# DANGJIAN_GC_THRESHOLD=0 keeps Python's defaults.
_threshold = int(os.environ.get("DANGJIAN_GC_THRESHOLD", "50000"))
if _threshold:
    gc.collect()
    gc.freeze()
    gc.set_threshold(_threshold, 20, 20)
