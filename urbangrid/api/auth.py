"""Authentication: a bearer token for apps and integrations, the Django session (with
CSRF on unsafe methods) for pages. ``api_auth`` guards every staff endpoint."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from urbangrid.api.errors import ApiError, ErrorOut
from urbangrid.organisations.models import User
from urbangrid.organisations.services import authenticate_token, issue_token

router = Router(tags=["auth"])

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` (tokens from ``POST /api/v1/auth/token``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class SessionWithCsrf(APIKeyCookie):
    """The Django session cookie; unsafe methods also need the CSRF token
    (``X-CSRFToken`` header). Without a session it answers "not me" (→ 401), not 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user = request.user
        return user if user.is_authenticated and user.is_active else None


api_auth = [BearerToken(), SessionWithCsrf()]


def current_user(request: HttpRequest) -> User:
    """The authenticated user of a request that passed ``api_auth``."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


class CredentialsIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    department_id: int | None
    area_code: str

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.get_full_name() or obj.username


def _check_credentials(request: HttpRequest, body: CredentialsIn) -> User:
    user = authenticate(request, username=body.username, password=body.password)
    if not isinstance(user, User) or not user.is_active:
        raise ApiError("unauthorised", "wrong username or password", status=401)
    return user


@router.post("/token", response={200: TokenOut, 401: ErrorOut}, summary="Get an API token")
def create_token(request: HttpRequest, body: CredentialsIn) -> dict[str, str]:
    """Exchange a username and password for a bearer token (shown once; keep it)."""
    user = _check_credentials(request, body)
    return {"token": issue_token(user, name="api")}


@router.post("/session", response={200: MeOut, 401: ErrorOut}, summary="Log in (session)")
def create_session(request: HttpRequest, body: CredentialsIn) -> User:
    """Log in with a session cookie, for pages; unsafe requests then need X-CSRFToken."""
    user = _check_credentials(request, body)
    login(request, user)
    return user


@router.delete("/session", response={204: None}, auth=api_auth, summary="Log out")
def delete_session(request: HttpRequest) -> Status[None]:
    logout(request)
    return Status(204, None)


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=api_auth, summary="Who am I")
def me(request: HttpRequest) -> User:
    return current_user(request)
