from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from projectsite.health import healthz
from units import views as unit_views

admin.site.site_header = _("Project 06 administration")
admin.site.site_title = _("Project 06 administration")
admin.site.index_title = _("Data and settings")

urlpatterns = [
    path("", unit_views.home, name="home"),
    path("", include("units.urls")),
    path("", include("tasks.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
