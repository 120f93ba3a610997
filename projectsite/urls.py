from django.contrib import admin
from django.urls import include, path

from units import views as unit_views

urlpatterns = [
    path("", unit_views.home, name="home"),
    path("", include("units.urls")),
    path("", include("tasks.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
]
