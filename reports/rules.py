"""Who may do what in the province's reports: the ``reports`` permissions, registered with
django-rules from the predicates of units/rules.py (the table: docs/ARCHITECTURE.md §4)."""

import rules

from units.rules import is_superuser, national, province_viewer, secretariat, secretariat_of

# The scorecard's weights and snapshots: the secretariat of the province (the object). Units must
# not weigh or freeze their own ranking.
rules.add_perm("reports.manage_scorecard", secretariat_of)
# The mail log: read by the province's viewers, a failed mail sent again by the secretariat.
rules.add_perm("reports.view_mail_log", is_superuser | national | province_viewer)
rules.add_perm("reports.requeue_mail", is_superuser | secretariat)
# The official report of a period (a draft .docx and its appendix), on demand from the overview:
# the secretariat of the province (the object), which drafts it for the leaders to sign.
rules.add_perm("reports.draft_official_report", secretariat_of)
