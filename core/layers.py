"""Reads of a later stage's data from an earlier stage, made explicit.

The apps are layered in the order of the lifecycle (see `.importlinter`): an earlier stage never imports
a later one, and effects go forward through domain signals. A few reads must look ahead, e.g. the
matching counts each mentor's active accompagnements. They ask the app registry for the later model
through `later_stage_model`, so each such read is named, greppable (`later_stage_model(`) and listed
in the README's layers section. Only reads (existence, counts): never a write.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models


def later_stage_model(app_label: str, model_name: str) -> type[models.Model]:
    """The model `app_label.model_name` of a later stage, for a read (never a write)."""
    return apps.get_model(app_label, model_name)
