"""What organizational life tells other modules, without their reading its tables.

``meeting_changed`` is sent by the meeting services (create, update, cancel) inside their
transaction, with ``meeting_id``: a receiver that derives its own records from the meeting
(points) reads it through :func:`dangjian.orglife.queries.meeting_attendance` and writes in the
same transaction, so the meeting and what is derived from it commit or roll back together.
"""

from django.dispatch import Signal

meeting_changed = Signal()  # kwargs: meeting_id
