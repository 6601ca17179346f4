"""A real worker process builds a report while real WebSocket clients, through a real gateway, receive its
progress (counting, writing N of M rows) and its completion (the summary and the download link); only
those the policy allows get the report's topic."""
from __future__ import annotations

import re
import time
from datetime import timedelta

from sqlalchemy import insert

from app.background.tracking import PROGRESS_EVERY
from app.models import Report, TimeLog
from app.reports import runs
from app.reports.params import ReportParams, check
from tests import report_data
from tests.integration.test_gateway import LIVE, close_code, first, open_socket, session_cookie

ROWS = 20_000


def _many_logs(db, w) -> None:
    """ROWS one-minute logs of the member in last month (bulk insert: a second or so)."""
    start = w.start + timedelta(hours=1)
    batch = [dict(organization_id=w.org.id, user_id=w.member.id, project_id=w.site.id,
                  start_time=start + timedelta(minutes=2 * i), end_time=start + timedelta(minutes=2 * i + 1),
                  duration_minutes=1, description=f"log {i}", billable=True) for i in range(ROWS)]
    db.session.execute(insert(TimeLog), batch)
    db.session.commit()


def test_a_worker_streams_a_reports_progress_and_completion_to_its_page(app, db, factory, start_gateway,
                                                                        start_worker):
    w = report_data.build(factory, db)
    _many_logs(db, w)
    gateway = start_gateway()
    params = check(ReportParams(organization_id=w.org.id, range="custom", date_from=w.first.isoformat(),
                                date_to=w.last.isoformat(), groups=["project"], format="xlsx",
                                time_zone=report_data.ZONE))
    report = Report(user_id=w.owner.id, organization_id=w.org.id, params=params.to_dict(), format="xlsx")
    report.restart()
    db.session.add(report)
    db.session.commit()
    topic = f"report:{report.id}"
    owner = open_socket(gateway.port, session_cookie(app, w.owner.id), topic)
    manager = open_socket(gateway.port, session_cookie(app, w.manager.id), topic)  # not theirs, not org-wide
    try:
        assert first(owner, LIVE)
        assert close_code(manager) == 1008
        worker = start_worker("reports")
        runs.build_report_later(report)
        messages, started, deadline = [], time.time(), time.time() + 90
        while time.time() < deadline:
            message = first(owner, f"report-{report.id}-status", timeout=max(0.1, deadline - time.time()))
            if message is None:
                break
            messages.append(message)
            if 'data-status="completed"' in message or 'data-status="failed"' in message:
                break
        assert messages and 'data-status="completed"' in messages[-1], worker.output()
        assert any("Counting rows" in m for m in messages)
        written = [int(n.replace(",", "")) for m in messages for n in re.findall(r"Writing: ([\d,]+) of", m)]
        assert written and max(written) > 0, "the bar fills with rows written"
        assert written == sorted(written)
        done = messages[-1]
        assert 'data-testid="report-summary"' in done and f"/reports/{report.id}/download" in done
        assert f"{ROWS + 9:,} rows" in done and "Alpha site" in done
        # the throttle: at most about four writes a second (PROGRESS_EVERY), however long the report takes on this
        # machine; a phase change (counting, writing, done) may add one each
        elapsed = time.time() - started
        assert len(messages) <= elapsed / PROGRESS_EVERY + 4, (len(messages), elapsed)
    finally:
        owner.close()
