"""What units announces to the apps above it, which it may not import (the layers contract in pyproject.toml).

``tasks`` connects its receiver in ``TasksConfig.ready``: a unit's work counts only while the unit
is active, so its province's kept counts per status are recounted (``tasks.summaries``).
"""

from django.dispatch import Signal

# A unit was activated or deactivated by a save (the admin's ``unit_save``), inside its transaction: ``unit``.
# (A structure transition ends units in bulk and recounts by itself.)
unit_activity_changed = Signal()
