"""Every existing programme gets the default application questionnaire (today's TSF steps, version 1),
and its existing files are attached to it (frozen when a file was already answered with it)."""

from django.db import migrations
from django.utils import timezone

from questionnaires.defaults import creer_defaut


def forwards(apps, schema_editor):
    Programme = apps.get_model("programmes", "Programme")
    Questionnaire = apps.get_model("questionnaires", "Questionnaire")
    QuestionnaireVersion = apps.get_model("questionnaires", "QuestionnaireVersion")
    Etape = apps.get_model("questionnaires", "Etape")
    Candidature = apps.get_model("candidatures", "Candidature")
    for programme in Programme.objects.all():
        questionnaire, _created = Questionnaire.objects.get_or_create(programme=programme, nature="candidature", public="")
        version = QuestionnaireVersion.objects.filter(questionnaire=questionnaire).order_by("-numero").first()
        if version is None:
            version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, numero=1)
            creer_defaut(version=version, etape_model=Etape)
        fichiers = Candidature.objects.filter(programme=programme, questionnaire_version__isnull=True)
        if fichiers.exists():
            fichiers.update(questionnaire_version=version)
            if version.gelee_le is None:
                version.gelee_le = timezone.now()
                version.save(update_fields=["gelee_le"])


class Migration(migrations.Migration):
    dependencies = [
        ("candidatures", "0004_candidature_questionnaire_version_and_more"),
        ("questionnaires", "0001_initial"),
        ("programmes", "0002_format_nature_unite"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
