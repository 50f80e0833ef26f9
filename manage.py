#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsf.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings now
    except ImproperlyConfigured as error:
        # Django's command runner would put this aside and fail later on an unrelated-looking error
        # ("Models aren't loaded yet"): say at once what is missing (e.g. SECRET_KEY without DEBUG=1).
        sys.exit(f"manage.py: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
