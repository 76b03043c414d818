"""Staff evaluation pages, under ``/staff/evaluation/``."""

from django.urls import path

from urbangrid.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("hotspots/", views.hotspot_page, name="hotspots"),
    path("report.<str:fmt>", views.report_download, name="report"),
    path("indicators.<str:fmt>", views.indicators_download, name="indicators"),
    path("exports/", views.export_list, name="exports"),
    path("exports/new", views.export_request, name="export_request"),
    path("exports/<int:pk>/download", views.export_download, name="export_download"),
    path("<str:kind>/<str:key>/", views.detail, name="detail"),
    path("<str:kind>/<str:key>/<str:counter>/cases/", views.cases, name="cases"),
]
