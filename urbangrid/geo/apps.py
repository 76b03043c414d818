from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "urbangrid.geo"
    label = "geo"
    verbose_name = _("City model (grids and areas)")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from urbangrid.geo import locate
        from urbangrid.geo.models import Community, District, Street, UnitGrid

        def forget_index(**kwargs: object) -> None:
            locate.invalidate()

        for model in (District, Street, Community, UnitGrid):
            post_save.connect(
                forget_index, sender=model, dispatch_uid=f"geo-locate-{model.__name__}", weak=False
            )
            post_delete.connect(
                forget_index,
                sender=model,
                dispatch_uid=f"geo-locate-del-{model.__name__}",
                weak=False,
            )
