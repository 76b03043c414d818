"""Staff pages: the workbench of each role, the case page, search, the map, the leader's
overview. Views are thin: parse input, pass the ``access_*`` gate (``access_case`` or
``cases_visible_to`` inside the selectors), call one service or selector, render."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from urbangrid.cases import selectors as case_selectors
from urbangrid.cases.access import access_case, allowed_actions
from urbangrid.cases.exceptions import CaseError, CaseNotFound
from urbangrid.cases.models import Attachment, AttachmentKind, Case, CaseEvent
from urbangrid.cases.services import PUBLIC_ACTIONS, Report, create_report
from urbangrid.cases.workflow import Action, CaseStatus
from urbangrid.catalog.models import CatalogType
from urbangrid.organisations.models import Role, User
from urbangrid.organisations.permissions import Permission, has_permission
from urbangrid.organisations.selectors import home_district
from urbangrid.organisations.services import explain_responsibility
from urbangrid.staff import selectors
from urbangrid.staff.forms import PHOTO_KIND, ActionForm, ReportForm, action_form
from urbangrid.staff.labels import action_label
from urbangrid.staff.services import act_with_photos, bulk_dispatch

# Actions whose notes a department sees (the rest are the centres' internal notes).
DEPARTMENT_FACING = frozenset(
    {
        Action.DISPATCH,
        Action.RECEIVE,
        Action.RETURN,
        Action.REPORT_HANDLED,
        Action.REWORK,
        Action.URGE,
        Action.ESCALATE,
        Action.REQUEST_EXTENSION,
        Action.APPROVE_EXTENSION,
        Action.REFUSE_EXTENSION,
        Action.REQUEST_SUSPENSION,
        Action.APPROVE_SUSPENSION,
        Action.REFUSE_SUSPENSION,
        Action.RESUME,
    }
)


# Actions that move the case forward come first on the case page (the first one open).
SECONDARY = frozenset(
    {
        Action.NOT_ACCEPT,
        Action.CANCEL,
        Action.SEND_BACK,
        Action.RETURN,
        Action.REWORK,
        Action.REFUSE_EXTENSION,
        Action.REFUSE_SUSPENSION,
        Action.REQUEST_EXTENSION,
        Action.REQUEST_SUSPENSION,
        Action.URGE,
        Action.ESCALATE,
    }
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("staff:home")
    return render(request, "home.html")


# --- Workbench ------------------------------------------------------------------------------


def _queue_context(user: User, key: str) -> dict[str, Any]:
    queue = selectors.QUEUES_BY_KEY[key]
    cases = list(selectors.queue_cases(user, key))
    context: dict[str, Any] = {
        "queue": queue,
        "cases": cases,
        "count": None,
        "list_query": selectors.queue_list_query(user, key),
    }
    if key in selectors.SUGGESTED and has_permission(user, Permission.DISPATCH):
        context["suggestions"] = selectors.suggestions_for(cases)
        context["departments"] = selectors.active_departments()
        context["bulk"] = True
    return context


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """The home of the signed-in role: its queues, most urgent first."""
    user = _user(request)
    queues = selectors.queues_for(user)
    counts = selectors.queue_counts(user)
    sections = []
    for queue in queues:
        context = _queue_context(user, queue.key)
        context["count"] = counts.get(queue.key)
        sections.append(context)
    context = {"sections": sections, "counts": counts}
    if user.role in (Role.LEADER, Role.ADMIN):
        context["overview"] = selectors.overview(user)
    return render(request, "staff/home.html", context)


@login_required
def queue(request: HttpRequest, key: str) -> HttpResponse:
    """One queue's table (the part htmx refreshes every 30 s)."""
    user = _user(request)
    if key not in selectors.QUEUES_BY_KEY or user.role not in selectors.QUEUES_BY_KEY[key].roles:
        raise Http404("no such queue")
    context = _queue_context(user, key)
    context["count"] = selectors.queue_counts(user).get(key)
    return render(request, "staff/_queue.html", {"section": context})


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    """The queue counts in the navigation (refreshed every 30 s)."""
    user = _user(request)
    counts = selectors.queue_counts(user)
    queues = [q for q in selectors.queues_for(user) if q.key in counts]
    return render(request, "staff/_counts.html", {"queues": queues, "counts": counts})


# --- Search and bulk dispatch ---------------------------------------------------------------


def _search_from(request: HttpRequest) -> selectors.Search:
    get = request.GET
    department = get.get("department", "")
    bbox = selectors.parse_bbox(get.get("bbox", "")) if get.get("bbox") else None
    statuses = tuple(s for s in get.getlist("status") if s in CaseStatus.values)
    return selectors.Search(
        q=get.get("q", "")[:100],
        number=get.get("number", "")[:40],
        address=get.get("address", "")[:100],
        phone=get.get("phone", "")[:30],
        status=statuses,
        light=get.get("light", "") if get.get("light") in ("green", "yellow", "red") else "",
        department_id=int(department) if department.isdigit() else None,
        area=get.get("area", "")[:15] if get.get("area", "").isdigit() else "",
        matter=get.get("matter", "")[:20],
        bbox=bbox,
        open_only=get.get("open") == "1",
        order="newest" if get.get("order") == "newest" else "urgency",
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Search by number, text, address, caller phone (if allowed); filter; pick cases
    to dispatch together."""
    user = _user(request)
    search = _search_from(request)
    cases = selectors.search_cases(user, search)
    can_dispatch = has_permission(user, Permission.DISPATCH)
    dispatchable = [c for c in cases if c.status == CaseStatus.TO_DISPATCH]
    context: dict[str, Any] = {
        "cases": cases,
        "search": search,
        "statuses": CaseStatus.choices,
        "departments": selectors.active_departments(),
        "can_see_phone": has_permission(user, Permission.VIEW_PERSONAL_DATA),
        "bulk": can_dispatch and bool(dispatchable),
        "suggestions": selectors.suggestions_for(dispatchable) if can_dispatch else {},
        "limit": selectors.SEARCH_SIZE,
    }
    template = "staff/_case_rows.html" if request.headers.get("HX-Request") else "staff/cases.html"
    return render(request, template, context)


@login_required
@require_POST
def dispatch_selected(request: HttpRequest) -> HttpResponse:
    """Dispatch the selected cases, each to its chosen or suggested department."""
    user = _user(request)
    if not has_permission(user, Permission.DISPATCH):
        raise Http404("not a dispatcher")
    choices: dict[str, int | None] = {}
    for number in request.POST.getlist("case")[:200]:
        chosen = request.POST.get(f"department-{number}", "")
        choices[number] = int(chosen) if chosen.isdigit() else None
    if not choices:
        messages.error(request, _("Select at least one case to dispatch."))
        return redirect(request.POST.get("next") or reverse("staff:home"))
    results = bulk_dispatch(choices, actor=user, note=request.POST.get("note", "")[:2000])
    return render(request, "staff/dispatch_results.html", {"results": results})


# --- The case page --------------------------------------------------------------------------


def _case_or_404(user: User, number: str) -> Case:
    try:
        return access_case(user, number)
    except CaseNotFound as exc:
        raise Http404(str(exc)) from exc


def _stages(case: Case) -> list[dict[str, Any]]:
    rows = []
    for stage, clock in sorted(case.clocks.items(), key=lambda item: item[1]["started_at"]):
        rows.append(
            {
                "stage": stage,
                "started_at": dt.datetime.fromisoformat(clock["started_at"]),
                "due_at": dt.datetime.fromisoformat(clock["due_at"]) if clock["due_at"] else None,
                "ended_at": dt.datetime.fromisoformat(clock["ended_at"])
                if clock["ended_at"]
                else None,
                "paused": bool(clock["pauses"]) and clock["pauses"][-1][1] is None,
                "light": clock["light"],
                "limit": clock["limit"],
                "extended": bool(clock["extended_to"]),
                "running": stage == case.stage and not clock["ended_at"],
            }
        )
    return rows


def _can_read_note(user: User, event: CaseEvent) -> bool:
    if event.is_public or has_permission(user, Permission.VIEW_INTERNAL_NOTES):
        return True
    if user.role == Role.INSPECTOR:
        return event.actor_id == user.pk or event.action in (Action.SEND_VERIFY, Action.SEND_CHECK)
    return event.action in DEPARTMENT_FACING


def _case_context(
    request: HttpRequest, user: User, case: Case, bound: ActionForm | None = None
) -> dict[str, Any]:
    events = case_selectors.timeline(case)
    allowed = allowed_actions(user, case)
    departments = selectors.active_departments() if Action.DISPATCH in allowed else []
    candidates = (
        explain_responsibility(
            case.matter, grid_code=case.grid_code, component_ident=case.component_ident or None
        )
        if Action.DISPATCH in allowed
        else []
    )
    suggested_id = candidates[0].department.pk if candidates else None
    forms = []
    for action in sorted(allowed, key=lambda a: a in SECONDARY):
        if bound is not None and bound.action == action:
            form = bound
        else:
            form = action_form(action, departments=departments, suggested_id=suggested_id)
        forms.append(
            {
                "action": action,
                "label": action_label(action),
                "form": form,
                "public": action in PUBLIC_ACTIONS,
                "multipart": "photos_upload" in form.fields,
            }
        )
    photos: dict[str, list[Attachment]] = defaultdict(list)
    for photo in case.attachments.all().order_by("uploaded_at", "pk"):
        photos[photo.kind].append(photo)
    kinds = [(k, label, photos.get(k, [])) for k, label in AttachmentKind.choices]
    notes: list[dict[str, Any]] = [
        {"event": e, "readable": _can_read_note(user, e)} for e in events
    ]
    readable = {e.pk: _can_read_note(user, e) for e in events}
    private = not has_permission(user, Permission.VIEW_PERSONAL_DATA)
    return {
        "case": case,
        "stages": _stages(case),
        "timeline": notes,
        "public_notes": [e for e in events if e.is_public and e.note],
        "internal_notes": [e for e in events if not e.is_public and e.note and readable[e.pk]],
        "forms": forms,
        "read_only": not allowed,
        "photo_kinds": kinds,
        "has_photos": any(p for _, _, p in kinds),
        "candidates": candidates,
        "links": selectors.linked_cases(user, case, events),
        "reporter": _reporter(case, private),
        "tile_url": getattr(settings, "MAP_TILE_URL", ""),
    }


def _reporter(case: Case, private: bool) -> dict[str, str]:
    from urbangrid.api.cases import mask_email, mask_name, mask_phone

    if not private:
        return {
            "name": case.reporter_name,
            "phone": case.reporter_phone,
            "email": case.reporter_email,
        }
    return {
        "name": mask_name(case.reporter_name),
        "phone": mask_phone(case.reporter_phone),
        "email": mask_email(case.reporter_email),
    }


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A case: map, photos, timeline, stage deadlines and lights, the user's actions."""
    user = _user(request)
    case = _case_or_404(user, number)
    return render(request, "staff/case.html", _case_context(request, user, case))


@login_required
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action from its form; errors come back on the form, never as a 500."""
    user = _user(request)
    case = _case_or_404(user, number)
    if action not in allowed_actions(user, case):
        messages.error(
            request,
            _("This action is not possible now (the case may have changed): %(action)s")
            % {"action": action_label(action)},
        )
        return redirect("staff:case", number=case.number)
    departments = selectors.active_departments() if action == Action.DISPATCH else []
    form = action_form(action, data=request.POST, files=request.FILES, departments=departments)
    version = request.POST.get("version", "")
    status = 400
    if form.is_valid():
        try:
            act_with_photos(
                case.number,
                action,
                actor=user,
                data=form.to_data([]),
                uploads=form.cleaned_data.get("photos_upload") or [],
                photo_kind=PHOTO_KIND.get(action, "department"),
                expected_version=int(version) if version.isdigit() else None,
            )
        except CaseError as error:
            form.add_service_error(error)
            status = error.status
        else:
            messages.success(
                request,
                _("%(action)s: done for case %(number)s.")
                % {"action": action_label(action), "number": case.number},
            )
            return redirect("staff:case", number=case.number)
        case = _case_or_404(user, number)
    return render(
        request, "staff/case.html", _case_context(request, user, case, bound=form), status=status
    )


@login_required
def case_print(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    case = _case_or_404(user, number)
    return render(request, "staff/case_print.html", _case_context(request, user, case))


@login_required
def case_photo(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """A photo of a case, to those who may see the case."""
    user = _user(request)
    case = _case_or_404(user, number)
    photo = Attachment.objects.filter(case=case, pk=pk).first()
    if photo is None:
        raise Http404("no such photo")
    try:
        handle = photo.file.open("rb")
    except OSError as exc:
        raise Http404("photo file missing") from exc
    return FileResponse(handle, content_type=photo.content_type)


# --- New report (centre registers a call) -----------------------------------------------------


@login_required
def new_report(request: HttpRequest) -> HttpResponse:
    """The centre registers a report on behalf of a caller; then it is in the queue."""
    user = _user(request)
    if not has_permission(user, Permission.REPORT):
        raise Http404("your role does not report")
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            case = create_report(Report(**form.cleaned_data), actor=user)
        except CaseError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.translated())
            status = error.status
        else:
            messages.success(request, _("Case %(number)s registered.") % {"number": case.number})
            return redirect("staff:case", number=case.number)
    elif request.method == "POST":
        status = 400
    matters = (
        CatalogType.objects.filter(is_active=True).order_by("code").values_list("code", "name")
    )
    return render(
        request,
        "staff/new_report.html",
        {"form": form, "matters": list(matters), "tile_url": settings.MAP_TILE_URL},
        status=status,
    )


# --- Map and overview ---------------------------------------------------------------------------


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """Grids, assets, cases by light, heat; draw a box to list the cases inside. It opens
    on the user's district (``home_district``)."""
    district = home_district(_user(request))
    centre = (
        [district.centre_lat, district.centre_lng]
        if district and district.centre_lat is not None
        else [39.92, 116.41]
    )
    return render(
        request,
        "staff/map.html",
        {"tile_url": settings.MAP_TILE_URL, "centre": centre},
    )


@login_required
def overview_page(request: HttpRequest) -> HttpResponse:
    """Open, overdue and red cases by department and street, and today's flow."""
    user = _user(request)
    if not has_permission(user, Permission.VIEW_ALL_CASES):
        raise Http404("not for your role")
    return render(request, "staff/overview.html", {"overview": selectors.overview(user)})
