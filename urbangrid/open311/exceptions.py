"""What Open311 code raises; the views render each as the spec's error document."""

from __future__ import annotations


class Open311Error(Exception):
    """An error with the HTTP status (400, 403 or 404) the spec asks for."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def bad_request(description: str) -> Open311Error:
    return Open311Error(400, description)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)


def forbidden(description: str) -> Open311Error:
    return Open311Error(403, description)
