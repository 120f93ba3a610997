from django.urls import path

from . import views

app_name = "tasks"
urlpatterns = [
    path("don-vi/", views.my_unit, name="my_unit"),
    path("don-vi/<str:code>/", views.unit_detail, name="unit"),
    path("nhiem-vu/<int:pk>/", views.assignment_detail, name="assignment"),
    path("nhiem-vu/<int:pk>/gia-han/", views.assignment_extension, name="assignment_extension"),
    path("minh-chung/<int:pk>/", views.evidence_download, name="evidence"),
    path("chi-tieu/<int:pk>/", views.target_detail, name="target"),
    path("vuong-mac/", views.obstacle_list, name="obstacles"),
    path("vuong-mac/<int:pk>/", views.obstacle_detail, name="obstacle"),
]
