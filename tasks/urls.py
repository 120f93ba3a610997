from django.urls import path

from projectsite import bounds  # noqa: F401 -- registers <id:...>, the bounded row id

from . import import_views, planning_views, transition_views, views

app_name = "tasks"
urlpatterns = [
    path("don-vi/", views.my_unit, name="my_unit"),
    path("don-vi/<str:code>/", views.unit_detail, name="unit"),
    path("nhiem-vu/<id:pk>/", views.assignment_detail, name="assignment"),
    path("nhiem-vu/<id:pk>/gia-han/", views.assignment_extension, name="assignment_extension"),
    path("minh-chung/<id:pk>/", views.evidence_download, name="evidence"),
    path("chi-tieu/<id:pk>/", views.target_detail, name="target"),
    path("bao-cao-dinh-ky/<id:pk>/", views.slot_detail, name="slot"),
    path("vuong-mac/", views.obstacle_list, name="obstacles"),
    path("vuong-mac/<id:pk>/", views.obstacle_detail, name="obstacle"),
    path("don-vi/<str:code>/giai-trinh/", views.unit_explanations, name="unit_explanations"),
    path("giai-trinh/<id:pk>/", views.explanation_detail, name="explanation"),
    path("giai-trinh/<id:pk>/dong/", views.explanation_close, name="explanation_close"),
    path("nhap-lieu/", import_views.import_start, name="import_start"),
    path("nhap-lieu/<id:pk>/", import_views.import_preview, name="import_preview"),
    path("nhap-lieu/<id:pk>/ap-dung/", import_views.import_apply, name="import_apply"),
    path("nhap-lieu/mau/<str:kind>/", import_views.import_template, name="import_template"),
    path("ke-hoach/", planning_views.plan, name="plan"),
    path("ke-hoach/sap-xep-don-vi/", transition_views.transition_start, name="transition"),
    path("ke-hoach/van-ban/moi/", planning_views.document_edit, name="document_new"),
    path("ke-hoach/van-ban/<id:pk>/", planning_views.document_edit, name="document_edit"),
    path("ke-hoach/van-ban/<id:document_pk>/nhiem-vu/moi/", planning_views.task_edit, name="task_new"),
    path("ke-hoach/van-ban/<id:document_pk>/nhiem-vu/<id:pk>/", planning_views.task_edit, name="task_edit"),
    path("ke-hoach/nhiem-vu/<id:pk>/giao/", planning_views.task_assign, name="task_assign"),
    path("ke-hoach/chi-tieu/<id:indicator_pk>/<str:code>/", planning_views.targets_edit, name="targets_edit"),
]
