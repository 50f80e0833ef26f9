#!/usr/bin/env python
import os
import secrets
import sys

# Commands that read only the code and never sign nor check a signed value: without SECRET_KEY they
# run on a throwaway key, so `manage.py makemigrations --check` works in any checkout (a hook, an
# editor) while every other command, the server above all, still refuses to start without the secret.
CODE_ONLY_COMMANDS = {"makemigrations"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsf.settings")
    if len(sys.argv) > 1 and sys.argv[1] in CODE_ONLY_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
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
