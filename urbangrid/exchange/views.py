"""The exchange API, v1 (see ``docs/exchange.md``): plain views, JSON in and out."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from urbangrid.exchange import services, signing
from urbangrid.exchange.models import MessageKind

MAX_BODY = 1024 * 1024


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    """What this endpoint speaks (unsigned)."""
    return JsonResponse(
        {
            "version": services.WIRE_VERSION,
            "messages": services.MESSAGES_PATH,
            "kinds": list(MessageKind.values),
            "signature": "HMAC-SHA256",
            "max_skew_seconds": signing.MAX_SKEW,
        }
    )


@csrf_exempt
@require_POST
def messages(request: HttpRequest) -> JsonResponse:
    """Receive one signed message from a partner; idempotent by message id."""
    body = request.body
    if len(body) > MAX_BODY:
        return _error(413, "too_large", "the body is larger than 1 MiB")
    try:
        partner = services.check_request(
            request.headers,
            method=request.method or "POST",
            path=request.get_full_path(),
            body=body,
        )
    except signing.SignatureError as exc:
        return _error(401, exc.code, str(exc))
    try:
        message_id, kind, payload = services.parse_envelope(body)
        receipt = services.receive(partner, message_id, kind, payload)
    except services.ExchangeError as exc:
        return _error(exc.status, exc.code, str(exc))
    return JsonResponse(
        {
            "id": str(message_id),
            "status": "duplicate" if receipt.duplicate else "accepted",
            "result": receipt.result,
        }
    )
