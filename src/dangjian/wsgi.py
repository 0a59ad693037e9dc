"""The WSGI application (gunicorn, uWSGI, and ``dangjian runserver``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
application = get_wsgi_application()

# Garbage collection tuned for a request/response server: everything loaded at start-up is frozen
# out of the collector's scans, and the youngest generation is collected after 50,000 allocations
# instead of 700. The heavy pages (a district's compliance table builds some 40,000 small objects)
# otherwise pay for several full scans in an unlucky request: measured in-process on the county
# demo, the table's p95 went from 212 ms to 147 ms, its median unchanged. DANGJIAN_GC_THRESHOLD=0
# keeps Python's defaults.
_threshold = int(os.environ.get("DANGJIAN_GC_THRESHOLD", "50000"))
if _threshold:
    gc.collect()
    gc.freeze()
    gc.set_threshold(_threshold, 20, 20)
