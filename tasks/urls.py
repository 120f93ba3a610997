from django.urls import path

from . import views

app_name = "tasks"
urlpatterns = [
    path("don-vi/", views.my_unit, name="my_unit"),
]
