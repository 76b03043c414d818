from django.urls import path

from urbangrid.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.workbench, name="home"),
]
