from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("tong-quan/", views.overview, name="overview"),
    path("danh-sach/", views.assignment_list, name="assignments"),
    path("cham-tien-do/", views.lagging, name="lagging"),
    path("van-ban/<int:pk>/", views.document_detail, name="document"),
    path("hang-doi/", views.work_queue, name="work_queue"),
    path("hang-doi/xac-nhan/<int:pk>/", views.queue_confirm, name="queue_confirm"),
    path("hang-doi/tra-lai/<int:pk>/", views.queue_send_back, name="queue_send_back"),
    path("hang-doi/gia-han/<int:pk>/", views.queue_extension, name="queue_extension"),
    path("hang-doi/vuong-mac/<int:pk>/", views.queue_obstacle, name="queue_obstacle"),
]
