"""What tasks announces to the apps above it, which it may not import (the layers contract in pyproject.toml).

``reports`` connects its receivers in ``ReportsConfig.ready``: it mails the unit about a decision and
says when the unit was last reminded.

The decision signals are sent by the services inside their transaction, once the decision is
saved and only when it was taken (a claim that lost, a repeated answer send nothing), so a receiver
that writes (the outbox's mail rows) writes in that transaction: a rolled-back decision leaves nothing
behind. A receiver that raises rolls the decision back, as any other write of the service would.
"""

from django.dispatch import Signal

# The secretariat changed the status of a unit's assignment: ``assignment``, ``entry`` (its HistoryEntry).
assignment_status_changed = Signal()

# ``user`` approved or refused an extension ``request`` (an ExtensionRequest, decided).
extension_decided = Signal()

# ``user`` answered or closed an ``obstacle``.
obstacle_decided = Signal()

# An explanation ``request`` (an ExplanationRequest) was asked, answered or closed by ``user``:
# ``event`` is "asked", "answered" or "closed". The unit hears of a request and of its closing, the
# one who asked of the answer.
explanation_changed = Signal()

# Asked with ``unit``: a receiver answers when the unit was last reminded (a datetime), or None.
unit_last_reminder = Signal()

# A structure transition carried explanation requests of ending units to their successors: ``pairs``
# is a list of (old request id, the successor's request id it went to). Sent inside the transition.
explanations_carried = Signal()
