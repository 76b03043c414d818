from django.urls import path

from urbangrid.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.workbench, name="home"),
    path("queues/<slug:key>/", views.queue, name="queue"),
    path("counts/", views.counts, name="counts"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.new_report, name="new_report"),
    path("cases/dispatch/", views.dispatch_selected, name="dispatch_selected"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/print/", views.case_print, name="case_print"),
    path("cases/<str:number>/photos/<int:pk>", views.case_photo, name="case_photo"),
    path("cases/<str:number>/actions/<slug:action>/", views.case_action, name="case_action"),
    path("map/", views.map_page, name="map"),
    path("overview/", views.overview_page, name="overview"),
]
