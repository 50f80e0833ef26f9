from celery import shared_task

from .emails import send_now


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, text: str, html: str = "", attachments: list | None = None) -> None:
    send_now(to=to, subject=subject, text=text, html=html, attachments=[tuple(a) for a in attachments or []])
