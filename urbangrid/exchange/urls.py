from django.urls import path

from urbangrid.exchange import views

app_name = "exchange"

urlpatterns = [
    path("v1/", views.index, name="index"),
    path("v1/messages", views.messages, name="messages"),
]
