"""``manage.py demo_accounts``: print the demo accounts and where to sign in."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from urbangrid.demo.services import demo_account_lines, extra_inspector_count


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "Print the demo accounts (one per role, password demo) and the URLs to try."

    def handle(self, *args: Any, **options: Any) -> None:
        header = ("username", "role", "password", "department")
        rows = [
            (a.username, f"{a.role_zh} / {a.role_en}", a.password, a.department)
            for a in demo_account_lines()
        ]
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(3)]
        self.stdout.write("Demo accounts (all passwords: demo):")
        for row in [header, *rows]:
            cells = [_pad(row[i], widths[i]) for i in range(3)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]).rstrip())
        extra = extra_inspector_count()
        if extra:
            self.stdout.write(
                f"  + {extra} more inspectors inspector_01… covering every grid (password demo)"
            )
        self.stdout.write(
            "Open311 GeoReport v2 API key: demo-key "
            "(discovery at /open311/discovery.json, requests at /open311/v2/requests.json)"
        )
        self.stdout.write(
            "Sign in at /login/ (workbench) or /admin/ (configuration) — "
            "API docs at /api/docs, OpenAPI at /api/openapi.json"
        )
