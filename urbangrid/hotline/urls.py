from django.urls import path

app_name = "hotline"

urlpatterns: list = []  # type: ignore[type-arg]
