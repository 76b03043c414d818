"""Pages: the inspector app (PWA shell, manifest, service worker), public reporting with
its receipt, the private tracking page, the public map, and photos."""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from urbangrid.cases.exceptions import CaseError
from urbangrid.cases.models import Attachment, Case, Channel
from urbangrid.cases.services import Report
from urbangrid.cases.workflow import CaseStatus
from urbangrid.catalog.plain_names import public_name
from urbangrid.intake import photos as photo_store
from urbangrid.intake.forms import PublicReportForm
from urbangrid.intake.models import StaffNotification
from urbangrid.intake.ratelimit import public_report_allowed
from urbangrid.intake.selectors import public_events, public_state
from urbangrid.intake.services import case_for_token, submit_report
from urbangrid.organisations.permissions import Permission, has_permission
from urbangrid.organisations.selectors import home_district_code

SHELL_VERSION = "ug-inspector-v1"


def _tiles() -> str:
    return str(getattr(settings, "MAP_TILE_URL", ""))


# --- Inspector app (PWA) ------------------------------------------------------------


@login_required
def inspector_app(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "intake/inspector.html",
        {
            "tiles": _tiles(),
            "can_report": has_permission(request.user, Permission.REPORT),  # type: ignore[arg-type]
            "district": home_district_code(request.user),  # type: ignore[arg-type]
        },
    )


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    data = {
        "name": _("urbangrid inspector"),
        "short_name": _("Inspector"),
        "start_url": "/inspector/",
        "scope": "/inspector/",
        "display": "standalone",
        "background_color": "#f5f7fa",
        "theme_color": "#102a43",
        "lang": translation.get_language() or settings.LANGUAGE_CODE,
        "icons": [
            {"src": static("intake/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("intake/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


SHELL_ASSETS = (
    "/inspector/",
    "css/urbangrid.css",
    "intake/inspector.css",
    "intake/inspector.js",
    "intake/offline-queue.js",
    "intake/map.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "intake/icon.svg",
)


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    assets = [a if a.startswith("/") else static(a) for a in SHELL_ASSETS]
    body = render(
        request,
        "intake/sw.js",
        {"version": SHELL_VERSION, "assets": json.dumps(assets)},
        content_type="application/javascript",
    )
    body["Service-Worker-Allowed"] = "/inspector/"
    return body


# --- Public reporting -----------------------------------------------------------------


def public_report(request: HttpRequest) -> HttpResponse:
    """The public form (GET), and its submission (POST): rate-limited per client, with a
    honeypot; the answer is a receipt with the case number and the private link."""
    if request.method == "POST":
        form = PublicReportForm(request.POST, request.FILES)
        if request.POST.get("website"):
            # A bot filled the honeypot: answer as if all went well, create nothing.
            return render(request, "intake/receipt.html", {"number": None, "tracking": None})
        if not public_report_allowed(request):
            return render(
                request,
                "intake/report.html",
                {"form": form, "tiles": _tiles(), "limited": True},
                status=429,
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                checked = photo_store.read_uploads(request.FILES.getlist("photos"))
                answer = submit_report(
                    Report(
                        channel=Channel.PUBLIC,
                        matter_code=data["matter_code"],
                        lng=data["lng"],
                        lat=data["lat"],
                        address=data["address"],
                        description=data["description"],
                        reporter_name=data["name"],
                        reporter_phone=data["phone"],
                        reporter_email=data["email"] or "",
                    ),
                    actor=None,
                    key=data["idempotency_key"],
                    photos=checked,
                    scope="public",
                    suggest_duplicates=False,
                )
            except CaseError as exc:
                form.add_error(None, exc.translated())
            else:
                return render(
                    request,
                    "intake/receipt.html",
                    {"number": answer.body["number"], "tracking": answer.body["tracking_url"]},
                    status=201 if not answer.replayed else 200,
                )
        return render(request, "intake/report.html", {"form": form, "tiles": _tiles()}, status=400)
    form = PublicReportForm(initial={"idempotency_key": secrets.token_urlsafe(18)})
    return render(request, "intake/report.html", {"form": form, "tiles": _tiles()})


PUBLIC_STEP_LABELS = {
    "report": gettext_lazy("Reported"),
    "accept": gettext_lazy("Accepted"),
    "not_accept": gettext_lazy("Not accepted"),
    "file": gettext_lazy("Filed"),
    "dispatch": gettext_lazy("Sent to the department responsible"),
    "report_handled": gettext_lazy("Handled"),
    "close": gettext_lazy("Closed"),
    "reopen": gettext_lazy("Reopened"),
}
"""The steps of the tracking page, in the citizen's words (``cases.services.PUBLIC_ACTIONS``)."""


def track(request: HttpRequest, token: str) -> HttpResponse:
    """The reporter's private page: progress and public replies, nothing personal."""
    case = case_for_token(token)
    if case is None:
        raise Http404
    following: Case = case.merged_into if case.merged_into_id else case  # type: ignore[assignment]
    steps = [
        {"label": PUBLIC_STEP_LABELS.get(e.action, e.action), "at": e.at, "note": e.note}
        for e in public_events(following)
    ]
    photos = [
        a.pk for a in case.attachments.filter(copies__isnull=False).exclude(copies__public_file="")
    ]
    return render(
        request,
        "intake/track.html",
        {
            "case": case,
            "following": following,
            "merged": following.pk != case.pk,
            "state": public_state(following.status),
            "status_label": CaseStatus(following.status).label,
            "matter": public_name(following.matter),
            "steps": steps,
            "photos": photos,
            "token": token,
            "public_reply": following.public_reply,
        },
    )


def track_photo(request: HttpRequest, token: str, attachment_id: int) -> HttpResponse:
    """A public copy (no EXIF) of a photo of the case behind ``token``."""
    case = case_for_token(token)
    attachment = Attachment.objects.filter(pk=attachment_id, case=case).first()
    if case is None or attachment is None:
        raise Http404
    data = photo_store.public_bytes(attachment, thumbnail=request.GET.get("size") == "thumb")
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def public_map(request: HttpRequest) -> HttpResponse:
    from urbangrid.intake.forms import matter_list

    return render(request, "intake/map.html", {"tiles": _tiles(), "matters": matter_list()})


# --- Staff -----------------------------------------------------------------------------


@login_required
def staff_photo(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The original photo (with its EXIF), for staff who can see its case."""
    from urbangrid.cases.access import access_case

    attachment = Attachment.objects.select_related("case").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        access_case(request.user, attachment.case.number)  # type: ignore[arg-type]
    except CaseError as exc:
        raise Http404 from exc
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    rows = StaffNotification.objects.filter(user=request.user)[:100]  # type: ignore[misc]
    if request.method == "POST":
        StaffNotification.objects.filter(user=request.user, read_at__isnull=True).update(  # type: ignore[misc]
            read_at=timezone.now()
        )
    return render(request, "intake/notifications.html", {"rows": rows})
