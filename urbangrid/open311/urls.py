from django.urls import path, re_path

from urbangrid.open311 import views

app_name = "open311"

urlpatterns = [
    path("v2/", views.root, name="root"),
    re_path(r"^discovery\.(?P<fmt>\w+)$", views.discovery, name="discovery"),
    re_path(r"^v2/services\.(?P<fmt>\w+)$", views.service_list, name="services"),
    re_path(
        r"^v2/services/(?P<code>[^/.]+)\.(?P<fmt>\w+)$", views.service_definition, name="service"
    ),
    re_path(r"^v2/requests\.(?P<fmt>\w+)$", views.requests, name="requests"),
    re_path(
        r"^v2/requests/(?P<number>[^/.]+)\.(?P<fmt>\w+)$", views.request_detail, name="request"
    ),
    re_path(r"^v2/tokens/(?P<token>[^/.]+)\.(?P<fmt>\w+)$", views.token, name="token"),
    re_path(
        r"^v2/servicerequestupdates\.(?P<fmt>\w+)$",
        views.service_request_updates,
        name="servicerequestupdates",
    ),
    path("media/<int:pk>", views.photo, name="media"),
]
