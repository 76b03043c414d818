"""URL wiring only."""

from django.contrib import admin
from django.urls import include, path

from urbangrid.api.main import api
from urbangrid.common.views import favicon, healthz
from urbangrid.staff import views as staff_views

admin.site.site_header = "urbangrid 数字化城市管理"
admin.site.site_title = "urbangrid"

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("django.contrib.auth.urls")),
    path("staff/", include("urbangrid.staff.urls")),
    path("staff/evaluation/", include("urbangrid.evaluation.urls")),
    path("public/", include("urbangrid.public.urls")),
    path("", include("urbangrid.intake.urls")),
    path("hotline/", include("urbangrid.hotline.urls")),
    path("exchange/", include("urbangrid.exchange.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("open311/", include("urbangrid.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
