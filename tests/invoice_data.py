"""Approved billable time for invoices (issue 21 C), on the factory's world: Globex's project Alpha site, the
member's week 2026-W10 approved, rates 100.00 (organization default) and 150.00 (the member on Alpha site from
Wed 04 Mar). Lines by project: Alpha site 2.50 h x 100.00 = 250.00 and 0.50 h x 150.00 = 75.00."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from app.models import Rate, WeekApproval, utcnow

PERIOD = (date(2026, 3, 1), date(2026, 3, 31))
SUBTOTAL = Decimal("325.00")


def invoiceable_time(factory, db, w) -> None:
    db.session.add_all([
        Rate(organization_id=w.org.id, kind="billable", amount=Decimal("100.00"), effective_from=date(2026, 1, 1)),
        Rate(organization_id=w.org.id, user_id=w.member.id, project_id=w.alpha_project.id, kind="billable",
             amount=Decimal("150.00"), effective_from=date(2026, 3, 4)),
        WeekApproval(organization_id=w.org.id, user_id=w.member.id, week_start=date(2026, 3, 2), status="approved",
                     decided_at=utcnow()),
    ])
    db.session.commit()
    log = factory.time_log
    w.billed = [log(w.member, w.alpha_project, start=datetime(2026, 3, 2, 9), minutes=60, billable=True),
                log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 9), minutes=90, billable=True),
                log(w.member, w.alpha_project, start=datetime(2026, 3, 5, 9), minutes=30, billable=True)]
    w.not_billed = [
        log(w.member, w.alpha_project, start=datetime(2026, 3, 4, 9), minutes=60, billable=False),  # not billable
        log(w.member, w.alpha_project, start=datetime(2026, 3, 10, 9), minutes=60, billable=True),  # week not approved
        log(w.manager, w.alpha_project, start=datetime(2026, 3, 3, 9), minutes=60, billable=True),  # nor this one
        log(w.member, w.beta_project, start=datetime(2026, 3, 3, 11), minutes=60, billable=True),  # no client
    ]
