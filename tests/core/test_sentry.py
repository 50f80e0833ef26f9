"""Errors go to Sentry without personal data (core/sentry.py)."""

from __future__ import annotations

import json

from core.sentry import scrub_event


def test_the_scrubber_removes_emails_names_and_contact_details_and_keeps_the_rest():
    event = {
        "message": "Échec d’envoi à camille.martin@exemple.fr",
        "logentry": {"message": "Job %s failed for %s", "params": [12, "alex@exemple.test"]},
        "exception": {
            "values": [
                {
                    "type": "SMTPRecipientsRefused",
                    "value": "{'camille.martin@exemple.fr': (550, b'unknown')}",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "send_now",
                                "vars": {
                                    "to": ["camille.martin@exemple.fr"],
                                    "first_name": "Camille",
                                    "last_name": "Martin",
                                    "nom": "Martin",
                                    "telephone": "06 12 34 56 78",
                                    "subject": "Votre candidature",
                                    "job_id": 12,
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {"values": [{"category": "query", "message": "SELECT … WHERE email = 'alex@exemple.test'"}]},
        "user": {"id": 7, "email": "camille.martin@exemple.fr", "username": "camille"},
        "request": {"url": "https://tsf.example.org/espace/", "data": {"nom": "Martin"}, "cookies": "sessionid=…"},
        "contexts": {"os": {"name": "Linux"}},
        "level": "error",
    }
    scrubbed = scrub_event(event, {})
    text = json.dumps(scrubbed, ensure_ascii=False)
    for personal in ("camille.martin@exemple.fr", "alex@exemple.test", "Camille", "Martin", "06 12 34 56 78", "sessionid"):
        assert personal not in text
    frame_vars = scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]
    assert frame_vars["subject"] == "Votre candidature" and frame_vars["job_id"] == 12 and frame_vars["nom"] == "[filtré]"
    assert scrubbed["message"] == "Échec d’envoi à [e-mail]"
    assert scrubbed["user"] == {"id": 7} and scrubbed["request"]["url"] == "https://tsf.example.org/espace/"
    assert scrubbed["contexts"]["os"]["name"] == "Linux" and scrubbed["level"] == "error"
    assert scrubbed["exception"]["values"][0]["type"] == "SMTPRecipientsRefused"
    # The original event is left as it was (the SDK may keep it).
    assert event["user"]["email"] == "camille.martin@exemple.fr"


def test_sentry_starts_only_with_a_dsn_and_without_default_personal_data(monkeypatch):
    import sentry_sdk

    from core import sentry

    seen = {}
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: seen.update(options))
    sentry.sentry_init(dsn="https://key@sentry.example/1", environment="test", traces_sample_rate=0.0)
    assert seen["send_default_pii"] is False and seen["before_send"] is scrub_event
    assert seen["max_request_body_size"] == "never"
