from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .permissions import public

urlpatterns = [
    path(
        "login/",
        public(auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("tai-khoan/", views.account, name="account"),
    path("tai-khoan/mat-khau/", views.password_change, name="password_change"),
    path("don-vi/<str:code>/ban-giao/", views.unit_handover, name="unit_handover"),
    path("don-vi/<str:code>/ban-giao/xong/", views.unit_handover_done, name="unit_handover_done"),
]
