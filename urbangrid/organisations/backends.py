"""The authentication backend: Django's model backend behind the login throttle."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from urbangrid.organisations import throttle
from urbangrid.organisations.models import User


class ThrottledModelBackend(ModelBackend):
    """Username and password, refused outright after too many recent failures for the
    same username from the same address (see ``throttle``)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = throttle.client_address(request)
        throttle.check(username, address)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.record_failure(username, address)
        else:
            throttle.record_success(username, address)
        return user if isinstance(user, User) else None

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """The same checks on the async path (``django.contrib.auth.aauthenticate``)."""
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )
