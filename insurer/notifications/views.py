from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from insurer.notifications.models import Notification
from insurer.notifications.services import mark_read
from insurer.pagination import CappedPaginator


@login_required
def notification_list(request):
    page = CappedPaginator(Notification.objects.filter(recipient=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    ids = request.POST.getlist("id") or None
    mark_read(user=request.user, notification_ids=[int(i) for i in ids if i.isdigit()] if ids else None)
    return redirect("notifications:list")
