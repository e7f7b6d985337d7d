"""My notices: newest first, and one button to mark them all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.lib.http import AuthedRequest
from cerchia.notices.models import Notice
from cerchia.notices.services import mark_all_read

PAGE_SIZE = 30


@login_required
def notices(request: AuthedRequest) -> HttpResponse:
    page = Paginator(Notice.objects.filter(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notices/list.html", {"page": page})


@login_required
@require_POST
def read_all(request: AuthedRequest) -> HttpResponse:
    count = mark_all_read(request.user)
    if count:
        messages.info(request, _("All notices are marked read."))
    return redirect("notices:list")
