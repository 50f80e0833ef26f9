"""The pages opened by a signed e-mail link (no login): one answer for a link that expired or is invalid."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

T = TypeVar("T")


def signed_link_object(
    request: HttpRequest,
    load: Callable[[], T],
    *,
    invalid_template: str,
    missing: tuple[type[BaseException], ...] = (),
) -> T | HttpResponse:
    """The object the link names (`load()` reads it from the token), or the page `invalid_template` that
    says why not: the link expired (410), or it is forged, damaged or names nothing any more (404)."""
    invalid: tuple[type[BaseException], ...] = (signing.BadSignature, KeyError, TypeError, *missing)
    try:
        return load()
    except signing.SignatureExpired:
        return render(request, invalid_template, {"expire": True}, status=410)
    except invalid:
        return render(request, invalid_template, {"expire": False}, status=404)
