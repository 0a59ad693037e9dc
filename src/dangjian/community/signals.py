"""What the community module tells other modules, without their reading its tables.

``service_changed`` is sent by every service that creates, changes, cancels or deletes a volunteer
activity or its service sheet, inside its transaction after the write, with ``activity_id``: a
receiver that derives its own records from the service hours (points) reads them through
:func:`dangjian.community.queries.activity_service` (None after a delete) and writes in the same
transaction, so the activity and what is derived from it commit or roll back together.
"""

from django.dispatch import Signal

service_changed = Signal()  # kwargs: activity_id
