"""The project's URLs and one that fails, for the error pages' tests."""

from django.urls import path

from projectsite.urls import urlpatterns as project_urlpatterns


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [*project_urlpatterns, path("test-broken/", broken)]
