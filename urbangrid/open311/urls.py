from django.urls import path, re_path

from urbangrid.open311 import views

app_name = "open311"

urlpatterns = [
    path("v2/", views.root, name="root"),
    re_path(r"^discovery\.(?P<fmt>\w+)$", views.discovery, name="discovery"),
    re_path(r"^v2/services\.(?P<fmt>\w+)$", views.service_list, name="services"),
    re_path(r"^v2/services/(?P<code>[^/.]+)\.(?P<fmt>\w+)$", views.service_definition, name="service"),
]
