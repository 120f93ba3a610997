"""The mail log: who got what and whether it was delivered; a failed mail can be queued again."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from units.choosing import keep_province
from units.permissions import PROVINCE_VIEWER, SECRETARIAT, permission_required
from units.selectors import user_province_or_404
from units.text import search_key

from .. import outbox, selectors
from ..filters import FilterForm
from ..models import Notification
from .dashboard import ASSIGNMENTS_PER_PAGE


class NotificationFilter(FilterForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Notification.Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Notification.Status.choices]
    )
    q = forms.CharField(label=_("Recipient or unit"), required=False, max_length=100)


@permission_required("reports.view_mail_log", policy=PROVINCE_VIEWER)
def notification_log(request):
    """Who got what, when, and whether it was delivered; failed mails can be sent again."""
    province = user_province_or_404(request.user, request.GET.get("province"))
    form = NotificationFilter(request.GET or None)
    notifications = selectors.notifications_log(province=province)
    refused = form.is_bound and not form.is_valid()
    if refused:  # the page says why, rather than listing every mail
        notifications = notifications.none()
    elif form.is_bound:
        data = form.cleaned_data
        if data["kind"]:
            notifications = notifications.filter(kind=data["kind"])
        if data["status"]:
            notifications = notifications.filter(status=data["status"])
        if data["q"]:
            notifications = notifications.filter(
                Q(recipient__icontains=data["q"]) | Q(unit__search_key__contains=search_key(data["q"]))
            )
    page = Paginator(notifications, ASSIGNMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    failed = selectors.notifications_log(province=province).filter(status=Notification.Status.FAILED).count()
    return render(
        request,
        "reports/notifications.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "failed": failed,
            "province": province,
        },
        status=400 if refused else 200,
    )


@require_POST
@permission_required("reports.requeue_mail", policy=SECRETARIAT)
def notification_requeue(request, pk: int):
    province = user_province_or_404(request.user, request.GET.get("province"))
    notification = get_object_or_404(selectors.notifications_log(province=province), pk=pk)
    back = keep_province(reverse("reports:notifications"), request)
    if notification.status != Notification.Status.FAILED:
        messages.error(request, _("Only a failed mail can be sent again."))
        return redirect(back)
    outbox.notification_requeue(notification=notification, user=request.user)
    messages.success(request, _("The mail to %(to)s is queued again.") % {"to": notification.recipient})
    return redirect(back)
