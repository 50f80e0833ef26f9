"""Sessions held before the service fait existed were accepted on their report, under the rules of the
time: they count as held ("tenue") rather than waiting for confirmations nobody will be asked for, which
would fill every space and the coordination's queue with years of history."""

from django.db import migrations


def anterieures_tenues(apps, schema_editor):
    Seance = apps.get_model("accompagnements", "Seance")
    Seance.objects.filter(etat="realisee", service_fait="a_confirmer").update(service_fait="tenue")


class Migration(migrations.Migration):
    dependencies = [("accompagnements", "0006_service_fait")]

    operations = [migrations.RunPython(anterieures_tenues, migrations.RunPython.noop)]
