from django.urls import path

from urbangrid.hotline import views

app_name = "hotline"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("callbacks/", views.callbacks, name="callbacks"),
]
