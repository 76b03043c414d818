from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "urbangrid.catalog"
    label = "catalog"
