from django.urls import path

from projectsite import bounds  # noqa: F401 -- registers <id:...>, the bounded row id

from . import views

app_name = "reports"
urlpatterns = [
    path("tong-quan/", views.overview, name="overview"),
    path("quoc-gia/", views.national_dashboard, name="national"),
    path("xuat/quoc-gia/", views.national_excel, name="national_excel"),
    path("danh-sach/", views.assignment_list, name="assignments"),
    path("cham-tien-do/", views.lagging, name="lagging"),
    path("giai-trinh/", views.explanation_list, name="explanations"),
    path("van-ban/<id:pk>/", views.document_detail, name="document"),
    path("xep-hang/", views.scorecard_page, name="scorecard"),
    path("xep-hang/trong-so/", views.scorecard_weights, name="scorecard_weights"),
    path("xep-hang/chot/", views.scorecard_snapshot, name="scorecard_snapshot"),
    path("tim-kiem/", views.search, name="search"),
    path("thu-gui/", views.notification_log, name="notifications"),
    path("nhat-ky/", views.audit_trail_page, name="audit_trail"),
    path("xuat/nhat-ky/", views.audit_trail_excel, name="audit_trail_excel"),
    path("thu-gui/<id:pk>/gui-lai/", views.notification_requeue, name="notification_requeue"),
    path("xuat/tong-quan/", views.overview_excel, name="overview_excel"),
    path("xuat/cham-tien-do/", views.lagging_excel, name="lagging_excel"),
    path("xuat/xep-hang/", views.scorecard_excel, name="scorecard_excel"),
    path("xuat/don-vi/<str:code>/", views.unit_excel, name="unit_excel"),
    path("bao-cao-dinh-ky/", views.official_report, name="official_report"),
    path("hang-doi/", views.work_queue, name="work_queue"),
    path("hang-doi/xac-nhan/", views.queue_confirm_selected, name="queue_confirm_selected"),
    path("hang-doi/xac-nhan/<id:pk>/", views.queue_confirm, name="queue_confirm"),
    path("hang-doi/tra-lai/<id:pk>/", views.queue_send_back, name="queue_send_back"),
    path("hang-doi/gia-han/<id:pk>/", views.queue_extension, name="queue_extension"),
    path("hang-doi/vuong-mac/<id:pk>/", views.queue_obstacle, name="queue_obstacle"),
]
