"""The back office's site: Django's, whose app list is built only when a page shows it (issue 14).

Django's `AdminSite.each_context` builds `available_apps` (every registered model, its permissions, its
URLs, sorted by translated names) for every admin page, for the navigation sidebar only. The sidebar is
off (tsf/urls.py), so a change list paid for a list nobody sees: a sixth of its CPU at scale. Here it is
built on first use, so that the sidebar, if turned on again, still finds it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


class TsfAdminSite(AdminSite):
    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        # Django's context (tests/admin/test_admin_rows.py checks that the keys stay Django's), but the
        # app list is a lazy object: a template that iterates it builds it then.
        script_name = request.META["SCRIPT_NAME"]
        site_url = script_name if self.site_url == "/" and script_name else self.site_url
        return {
            "site_title": self.site_title,
            "site_header": self.site_header,
            "site_url": site_url,
            "has_permission": self.has_permission(request),
            "available_apps": SimpleLazyObject(lambda: self.get_app_list(request)),
            "is_popup": False,
            "is_nav_sidebar_enabled": self.enable_nav_sidebar,
            "log_entries": self.get_log_entries(request),
        }


class TsfAdminConfig(AdminConfig):
    """`django.contrib.admin` with `TsfAdminSite` as `admin.site` (listed in INSTALLED_APPS)."""

    default_site = "core.admin_site.TsfAdminSite"
