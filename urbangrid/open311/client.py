"""A small Open311 client on the standard library (``urllib.request``), with timeouts.

Used to POST cases to department systems, resolve their tokens, read their update feeds
and fetch their photos. Every failure is raised as ``RemoteError`` with a readable reason.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

TIMEOUT_S = 10.0
MAX_BODY = 10 * 1024 * 1024
USER_AGENT = "urbangrid-open311/1"


class RemoteError(Exception):
    """The remote system could not be reached or refused the call."""


def _describe(status: int, body: bytes) -> str:
    try:
        data = json.loads(body)
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return f"HTTP {status}: " + "; ".join(str(e.get("description", "")) for e in data)
    except ValueError:
        pass
    return f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}"


def fetch(
    method: str,
    url: str,
    *,
    query: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT_S,
) -> bytes:
    if query:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("User-Agent", USER_AGENT)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as exc:
        raise RemoteError(_describe(exc.code, exc.read(MAX_BODY))) from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise RemoteError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
    if len(body) > MAX_BODY:
        raise RemoteError("response too large")
    return body


def fetch_json(method: str, url: str, **kwargs: Any) -> Any:
    body = fetch(method, url, **kwargs)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise RemoteError(f"not JSON: {body[:200].decode('utf-8', 'replace')}") from exc


def same_host(url: str, base: str) -> bool:
    """Whether ``url`` lives on the host (and port) of ``base``: we fetch photos only from
    the department system we talk to, never from an arbitrary address."""
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    return a.scheme in ("http", "https") and (a.scheme, a.netloc) == (b.scheme, b.netloc)
