import pytest
from django.urls import reverse

from urbangrid.organisations.models import User
from urbangrid.testing import make_city

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["district", "street", "community", "unitgrid", "place"])
def test_admin_lists_and_searches_every_geo_model(client, model):
    city = make_city()
    User.objects.create_superuser("root", password="x")
    client.login(username="root", password="x")
    url = reverse(f"admin:geo_{model}_changelist")
    assert client.get(url, {"q": "110101"}).status_code == 200
    if model == "unitgrid":
        change = client.get(reverse("admin:geo_unitgrid_change", args=[city.grids[0].pk]))
        assert change.status_code == 200
        assert client.get(url, {"current": "no"}).status_code == 200
