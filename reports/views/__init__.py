"""The reports' pages, one module per page group; ``reports/urls.py`` names them through this package.

- ``dashboard``: the overview, the assignments list, the lagging units, a document's page;
- ``queue``: the work queue and its decisions (confirm, in bulk too; send back; extension; obstacle);
- ``scorecard``: the ranking, its weights and snapshots;
- ``exports``: the Excel downloads (their rows are built in ``reports.exports``);
- ``national``: the national dashboard (every province) and its export;
- ``explanations``: the explanation requests of the province or the district;
- ``official``: the official report of a period, drafted on demand (.docx and its .xlsx appendix);
- ``search``; ``mail_log``: the mail log and sending a failed mail again;
- ``audit``: the audit trail ("Nhật ký thay đổi") and its export.
"""

from .audit import audit_trail_excel, audit_trail_page
from .dashboard import assignment_list, document_detail, lagging, overview
from .explanations import explanation_list
from .exports import lagging_excel, overview_excel, scorecard_excel, unit_excel
from .mail_log import notification_log, notification_requeue
from .national import national_dashboard, national_excel
from .official import official_report
from .queue import queue_confirm, queue_confirm_selected, queue_extension, queue_obstacle, queue_send_back, work_queue
from .scorecard import scorecard_page, scorecard_snapshot, scorecard_weights
from .search import search

__all__ = [
    "assignment_list",
    "audit_trail_excel",
    "audit_trail_page",
    "document_detail",
    "explanation_list",
    "lagging",
    "lagging_excel",
    "national_dashboard",
    "national_excel",
    "notification_log",
    "notification_requeue",
    "official_report",
    "overview",
    "overview_excel",
    "queue_confirm",
    "queue_confirm_selected",
    "queue_extension",
    "queue_obstacle",
    "queue_send_back",
    "scorecard_excel",
    "scorecard_page",
    "scorecard_snapshot",
    "scorecard_weights",
    "search",
    "unit_excel",
    "work_queue",
]
