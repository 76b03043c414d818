from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "urbangrid.geo"
    label = "geo"
