import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsf.settings")

app = Celery("tsf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """The filesystem broker needs its folders before the first message."""
    from django.conf import settings

    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
        if folder:
            os.makedirs(str(folder), exist_ok=True)
