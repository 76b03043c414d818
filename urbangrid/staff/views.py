"""Staff pages: sign-in lands on the workbench of the user's role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("staff:home")
    return render(request, "home.html")


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/home.html")
