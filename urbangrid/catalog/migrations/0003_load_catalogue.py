"""Load the bundled catalogue (GB/T 47678.5-2026 and the CJ/T 214-2007 legacy rows) and
seed the default stage time limits. Idempotent; never overwrites admin edits.

Uses ``urbangrid.catalog.loading`` and ``seeds`` with the historical models, so those
modules must keep to the fields that exist at this migration.
"""

from django.db import migrations


def load(apps, schema_editor):
    from urbangrid.catalog.loading import BUNDLED_CSVS, load_rows, read_catalogue
    from urbangrid.catalog.seeds import seed_stage_limits

    CatalogType = apps.get_model("catalog", "CatalogType")
    StageLimit = apps.get_model("catalog", "StageLimit")
    rows = [row for path in BUNDLED_CSVS for row in read_catalogue(path)]
    load_rows(rows, model=CatalogType)
    seed_stage_limits(type_model=CatalogType, limit_model=StageLimit)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_catalogtype_note_stagelimit_note")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
