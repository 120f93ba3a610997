from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("tong-quan/", views.overview, name="overview"),
]
