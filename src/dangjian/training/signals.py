"""What training tells other modules, without their reading its tables.

``session_changed`` is sent by every service that creates, changes, cancels or deletes a session
or replaces its attendance sheet, inside the service's transaction and after the write, with
``session_id``: a receiver that derives its own records from the session (points) reads it through
:func:`dangjian.training.queries.session_attendance` (None once the session is deleted) and writes
in the same transaction, so the session and what is derived from it commit or roll back together.
"""

from django.dispatch import Signal

session_changed = Signal()  # kwargs: session_id
