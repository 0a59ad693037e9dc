"""The WSGI application (gunicorn, uWSGI, and ``dangjian runserver``).

Python's garbage collector is left at its defaults. Raising its thresholds (tried: the compliance
table's p95 fell from 212 to 147 ms in-process) kept PostgreSQL connections of finished
``runserver`` request threads open until a collection, and the bench ran out of connections
("too many clients"): something in a request keeps its connection in a reference cycle. Find that
cycle before tuning the collector again.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
application = get_wsgi_application()
