"""Existing comité members sit on every existing programme's committee: what they read stays the same."""

from django.db import migrations

COMITE = "comite_technique"  # accounts.roles.COMITE (a migration does not import the app's code)


def sieges(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Programme = apps.get_model("programmes", "Programme")
    MembreComite = apps.get_model("comite", "MembreComite")
    programmes = list(Programme.objects.values_list("pk", flat=True))
    MembreComite.objects.bulk_create(
        [
            MembreComite(programme_id=programme, user_id=user, actif=True)
            for user in User.objects.filter(groups__name=COMITE).values_list("pk", flat=True).distinct()
            for programme in programmes
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comite", "0003_membrecomite"),
        ("accounts", "0001_initial"),
        ("programmes", "0006_programme_nom_comite_prefixe_reference"),
    ]

    operations = [migrations.RunPython(sieges, migrations.RunPython.noop)]
