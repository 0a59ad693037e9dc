"""What the organization tree tells the apps above it, without importing them.

``organization_changed`` is sent by the organization services inside their transaction, with
``org_ids``, when something that decides what an organization owes may have changed: it was created,
edited (its level, sector or committee flag), dissolved, or a committee seat began or ended. A receiver
that keeps figures per organization (orglife's compliance figures) rewrites them in the same
transaction. A move sends nothing: the copied ``org_path`` columns follow the subtree.
"""

from django.dispatch import Signal

organization_changed = Signal()  # kwargs: org_ids
