"""Open311 services (writes) and lookups that the views share."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db.models import Max, Q, QuerySet

from urbangrid.catalog.models import CatalogType, Kind, Standard
from urbangrid.common.clock import now
from urbangrid.geo.models import District
from urbangrid.open311.models import ApiKey, ServiceAttribute, hash_key

# The catalogue in force: GB/T 47678.5-2026 took effect on 2026-07-01.
CATALOGUE_EPOCH = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)


def create_api_key(name: str, source: str, raw: str | None = None) -> tuple[ApiKey, str]:
    """A new key; the raw key is returned once and only its hash is stored."""
    raw = raw or secrets.token_urlsafe(24)
    key = ApiKey(name=name, source=source)
    key.set_key(raw)
    key.save()
    return key, raw


def ensure_api_key(name: str, source: str, raw: str) -> ApiKey:
    """Idempotently make sure a key with this raw value exists (used for the demo key)."""
    existing = ApiKey.objects.filter(key_hash=hash_key(raw)).first()
    return existing or create_api_key(name, source, raw)[0]


def check_api_key(raw: str | None) -> ApiKey | None:
    """The active key for ``raw``, or None (missing, unknown or revoked)."""
    if not raw:
        return None
    key = ApiKey.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True).first()
    if key is not None and (
        key.last_used_at is None or now() - key.last_used_at > dt.timedelta(minutes=1)
    ):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now())
    return key


def revoke_api_key(key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now())


def jurisdiction_known(jurisdiction_id: str) -> bool:
    """An empty id is fine (single jurisdiction); otherwise it must be ours."""
    if not jurisdiction_id:
        return True
    configured = getattr(settings, "OPEN311_JURISDICTION_ID", "")
    return jurisdiction_id == configured or District.objects.filter(code=jurisdiction_id).exists()


def services() -> QuerySet[CatalogType]:
    """Services = active matter types of GB/T 47678.5-2026."""
    return CatalogType.objects.filter(
        kind=Kind.MATTER, standard=Standard.GBT_47678_5_2026, is_active=True
    ).order_by("code")


def attributes_for(service: CatalogType) -> list[ServiceAttribute]:
    query = Q(catalog_type=service) | Q(catalog_type__isnull=True)
    rows = ServiceAttribute.objects.filter(query).order_by("order", "id")
    is_component_matter = service.component_type_id is not None
    return [a for a in rows if is_component_matter or not a.applies_to_components]


def changeset() -> dt.datetime:
    """When the service list or definitions last changed (for client caches)."""
    latest = ServiceAttribute.objects.aggregate(m=Max("updated_at"))["m"]
    return max(CATALOGUE_EPOCH, latest) if latest else CATALOGUE_EPOCH


DEMO_KEY = "demo-key"


def ensure_demo_key() -> ApiKey:
    """The demo district's key ``demo-key`` (source "demo"); idempotent."""
    return ensure_api_key("Demo district", "demo", DEMO_KEY)
