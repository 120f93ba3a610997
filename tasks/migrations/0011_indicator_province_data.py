# A data migration apart from the schema one: on PostgreSQL, rows updated in a transaction leave
# deferred foreign-key checks pending, and the same transaction may then not ALTER the table.

from django.db import migrations


def indicators_to_their_province(apps, schema_editor):
    """An indicator belongs to its document's province; one without a document, or whose document is
    national, stays national (province empty)."""
    Indicator = apps.get_model("tasks", "Indicator")
    Document = apps.get_model("tasks", "Document")
    provinces = dict(Document.objects.filter(province__isnull=False).values_list("pk", "province_id"))
    for indicator in Indicator.objects.filter(document__in=list(provinces)):
        indicator.province_id = provinces[indicator.document_id]
        indicator.save(update_fields=["province"])


class Migration(migrations.Migration):
    dependencies = [("tasks", "0010_keys_per_province")]

    operations = [migrations.RunPython(indicators_to_their_province, migrations.RunPython.noop)]
