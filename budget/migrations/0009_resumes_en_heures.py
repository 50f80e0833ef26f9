from django.db import migrations


def resumes_a_recalculer(apps, schema_editor):
    """The summaries now count a format's hours as started half-days (Programme.heures_par_demi_journee):
    dropped, each is recomputed on its next read (budget.resume.resumes_manquants)."""
    apps.get_model("budget", "ResumeProgramme").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("budget", "0008_engagement_atelier_alter_engagement_accompagnement_and_more"),
        ("programmes", "0008_programme_heures_par_demi_journee"),
    ]

    operations = [migrations.RunPython(resumes_a_recalculer, migrations.RunPython.noop)]
