"""Error reporting to Sentry, only when SENTRY_DSN is set (nothing is initialised, nothing sent, otherwise).

The Flask integration reports a request's unhandled errors, the RQ integration a job's; the job runner
(jobs/runner.py) tags each job's events with its ids and the link to its page on /jobs (job_event_link()).
"""
from __future__ import annotations

import sentry_sdk

JOB_TAG = "timeboard.job_id"


def init_sentry(config: dict) -> bool:
    """Initialise sentry-sdk once per process when SENTRY_DSN is set; True when it is on."""
    dsn = config.get("SENTRY_DSN", "")
    if not dsn:
        return False
    if sentry_sdk.get_client().is_active():
        return True
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    sentry_sdk.init(
        dsn=dsn, environment=config.get("APP_ENV"), integrations=[FlaskIntegration(), RqIntegration()],
        traces_sample_rate=config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0), send_default_pii=False,
        before_send=lambda event, hint: add_job_link(event, hint, config.get("PUBLIC_URL", "")),
    )
    return True


def job_path(rq_job_id: str) -> str:
    return f"/jobs/{rq_job_id}"


def job_event_link(rq_job_id: str, public_url: str = "") -> str:
    """The job's page: PUBLIC_URL + /jobs/<id> when PUBLIC_URL is set, else the path alone."""
    return public_url.rstrip("/") + job_path(rq_job_id)


def add_job_link(event: dict, hint: dict, public_url: str = "") -> dict:
    """before_send: an event raised inside a job carries the link to that job's page (tag, extra and context)."""
    job_id = (event.get("tags") or {}).get(JOB_TAG)
    if job_id:
        link = job_event_link(job_id, public_url)
        event.setdefault("extra", {})["job_url"] = link
        event.setdefault("contexts", {}).setdefault("timeboard_job", {})["url"] = link
    return event


def tag_job(rq_job_id: str, kind: str, request_id: str | None) -> None:
    """Inside a job: its events say which job (and which request started it). A no-op without SENTRY_DSN."""
    if not sentry_sdk.get_client().is_active():
        return
    scope = sentry_sdk.get_current_scope()
    scope.set_tag(JOB_TAG, rq_job_id)
    scope.set_tag("timeboard.job_kind", kind)
    if request_id:
        scope.set_tag("request_id", request_id)
