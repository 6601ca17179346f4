"""Rates resolve at four levels, the most specific winning, by effective date, billable apart from cost
(app/billing/rates.py); the migration moved projects.hourly_rate into project-level rates."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, text

from app.billing.rates import RateBook
from app.models import FLOOR_DATE, Rate

D = Decimal
BEFORE, CHANGE, AFTER = date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2)


@pytest.fixture()
def scene(db, factory):
    org = factory.organization()
    ann, bob = factory.user(org), factory.user(org)
    site, app_ = factory.project(org, name="Site"), factory.project(org, name="App")

    def rate(amount, since=FLOOR_DATE, kind="billable", user=None, project=None):
        db.session.add(Rate(organization_id=org.id, user_id=user.id if user else None,
                            project_id=project.id if project else None, kind=kind,
                            amount=None if amount is None else D(amount), effective_from=since))

    rate("50")                                        # organization default
    rate("60", user=bob)                              # member
    rate("70", project=site)                          # project
    rate("80", project=site, user=ann)                # member on project
    rate("90", since=CHANGE, project=site, user=ann)  # ... changed from 1 April
    rate("20", kind="cost")                           # organization cost default
    rate("35", kind="cost", user=ann)                 # ann's cost
    rate(None, since=CHANGE, kind="cost", user=ann)   # ann's cost rate ends on 1 April
    db.session.commit()
    return org, ann, bob, site, app_


@pytest.mark.parametrize("who, where, day, kind, expected", [
    ("ann", "site", BEFORE, "billable", "80"),   # member on project
    ("ann", "site", CHANGE, "billable", "90"),   # its change applies from its effective day...
    ("ann", "site", AFTER, "billable", "90"),
    ("bob", "site", BEFORE, "billable", "70"),   # project beats member
    ("bob", "app", AFTER, "billable", "60"),     # member
    ("ann", "app", AFTER, "billable", "50"),     # organization default
    ("ann", "app", BEFORE, "cost", "35"),        # member cost, apart from billable
    ("ann", "site", CHANGE, "cost", "20"),       # member cost ended: the organization's applies again
    ("bob", "site", AFTER, "cost", "20"),
])
def test_the_most_specific_level_effective_that_day_wins(scene, who, where, day, kind, expected):
    org, ann, bob, site, app_ = scene
    book = RateBook.load(org.id)
    user = {"ann": ann, "bob": bob}[who]
    project = {"site": site, "app": app_}[where]
    assert book.resolve(kind, user.id, project.id, day) == D(expected)


def test_no_rate_at_any_level_is_none_and_a_rate_does_not_apply_before_its_day(db, factory):
    org = factory.organization()
    user, project = factory.user(org), factory.project(org)
    db.session.add(Rate(organization_id=org.id, kind="billable", amount=D("40"), effective_from=CHANGE))
    db.session.commit()
    book = RateBook.load(org.id)
    assert book.billable(user.id, project.id, BEFORE) is None
    assert book.cost(user.id, project.id, AFTER) is None
    assert book.billable(user.id, project.id, CHANGE) == D("40")


def test_resolving_many_entries_reads_the_rates_once(db, scene):
    org, ann, bob, site, app_ = scene
    org_id, users, projects = org.id, (ann.id, bob.id), (site.id, app_.id)
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        book = RateBook.load(org_id)
        for i in range(20_000):
            book.billable(users[i % 2], projects[i % 3 % 2], date(2026, 1 + i % 12, 1 + i % 28))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_a_projects_hourly_rate_reads_and_writes_its_project_level_rate(db, factory):
    org = factory.organization()
    project = factory.project(org, hourly_rate=D("95.00"))  # a new project: its rate holds since always
    assert [(r.effective_from, r.amount, r.user_id, r.kind) for r in project.rates] == [
        (FLOOR_DATE, D("95.00"), None, "billable")]
    project.hourly_rate = D("100")  # a saved project: from today on, the past keeps 95
    project.hourly_rate = D("100")  # the same again adds nothing
    db.session.commit()
    assert sorted((r.effective_from, r.amount) for r in project.rates) == [
        (FLOOR_DATE, D("95.00")), (date.today(), D("100.00"))]
    assert project.hourly_rate == D("100.00")
    project.hourly_rate = None
    db.session.commit()
    assert project.hourly_rate is None
    assert RateBook.load(org.id).billable(None, project.id, BEFORE) == D("95.00")


def test_the_migration_moves_hourly_rates_into_rates_and_back(db, factory, app):
    from flask_migrate import downgrade, upgrade

    org = factory.organization()
    priced, unpriced = factory.project(org, hourly_rate=D("88.50")), factory.project(org)
    factory.time_log(factory.user(org), priced)
    db.session.commit()
    priced_id, unpriced_id = priced.id, unpriced.id
    db.session.remove()
    try:
        downgrade(revision="b7d41e9a3c20")
        with db.engine.connect() as conn:
            assert dict(conn.execute(text("SELECT id, hourly_rate FROM projects")).all()) == {
                priced_id: D("88.50") if db.engine.dialect.name == "postgresql" else 88.5, unpriced_id: None}
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT project_id, user_id, kind, amount, effective_from FROM rates")).all()
            logs = conn.execute(text("SELECT count(*) FROM time_logs")).scalar()
        assert [(p, u, k, D(str(a)), str(e)) for p, u, k, a, e in rows] == [
            (priced_id, None, "billable", D("88.50"), "1970-01-01")]
        assert logs == 1  # nothing went with the projects table's change (SQLite's rebuild would cascade)
    finally:
        upgrade()


def test_a_reports_amounts_follow_an_effective_date_change(db, factory):
    from datetime import datetime

    from app.reports.params import ReportParams, check
    from app.reports.query import iter_rows

    org = factory.organization()
    ann, bob = factory.user(org), factory.user(org)
    project = factory.project(org, hourly_rate=D("100"))  # since always
    db.session.add_all([
        Rate(organization_id=org.id, project_id=project.id, kind="billable", amount=D("150"),
             effective_from=date(2026, 11, 15)),
        Rate(organization_id=org.id, project_id=project.id, user_id=bob.id, kind="billable", amount=D("200"),
             effective_from=date(2026, 11, 20)),
        Rate(organization_id=org.id, kind="cost", amount=D("30"), effective_from=FLOOR_DATE),  # not an amount
    ])
    for user, day, billable in ((ann, 10, True), (ann, 16, True), (bob, 16, True), (bob, 21, True),
                                (ann, 21, False)):
        factory.time_log(user, project, datetime(2026, 11, day, 10), 90, billable=billable)
    db.session.commit()
    params = check(ReportParams(organization_id=org.id, range="custom", date_from="2026-11-01",
                                date_to="2026-11-30", time_zone="UTC"))
    rows = [(r.user_id, r.day.day, r.rate, r.amount) for r in iter_rows(params, None, datetime(2026, 12, 1))]
    assert rows == [
        (ann.id, 10, D("100.00"), D("150.00")),  # before the change
        (ann.id, 16, D("150.00"), D("225.00")),  # after it
        (bob.id, 16, D("150.00"), D("225.00")),  # bob's own rate on the project not yet in effect
        (bob.id, 21, D("200.00"), D("300.00")),
        (ann.id, 21, D("150.00"), None),  # not billable: a rate, no amount
    ]


def test_two_currencies_are_never_summed_in_a_report(db, factory, tmp_path):
    """A project of a USD client beside one in the organization's EUR: rows carry their currency, groups and the
    total sum per currency, in CSV and XLSX alike."""
    import csv
    import io
    import zipfile
    from datetime import datetime

    from openpyxl import load_workbook

    from app.reports.generate import generate
    from app.reports.params import ReportParams, check

    org = factory.organization(currency="EUR")
    user = factory.user(org)
    us_client = factory.client(org, name="Yankee", currency="USD")
    home = factory.project(org, name="Home", hourly_rate=D("100"))
    abroad = factory.project(org, client=us_client, name="Abroad", hourly_rate=D("80"))
    factory.time_log(user, home, datetime(2026, 11, 3, 9), 60, billable=True)
    factory.time_log(user, abroad, datetime(2026, 11, 4, 9), 90, billable=True)
    db.session.commit()

    def run(fmt):
        params = check(ReportParams(organization_id=org.id, range="custom", date_from="2026-11-01",
                                    date_to="2026-11-30", time_zone="UTC", groups=["user"], format=fmt))
        return tmp_path / generate(params, None, org, tmp_path, f"r-{fmt}", datetime(2026, 12, 1)).file_name

    with zipfile.ZipFile(run("csv")) as zf:
        names = zf.namelist()
        detail = list(csv.DictReader(io.StringIO(zf.read(next(n for n in names if not n.endswith("-summary.csv")))
                                                 .decode())))
        summary = list(csv.reader(io.StringIO(zf.read(next(n for n in names if n.endswith("-summary.csv")))
                                              .decode())))
    assert [(r["project"], r["rate (EUR)"], r["amount (EUR)"]) for r in detail] == [
        ("Home", "100.00", "100.00"), ("Abroad", "80.00 USD", "120.00 USD")]
    totals = {row[0]: row[-1] for row in summary if row and row[0] in (user.name, "Total")}
    assert totals == {user.name: "100.00 EUR; 120.00 USD", "Total": "100.00 EUR; 120.00 USD"}  # never 220

    sheet = load_workbook(run("xlsx"), read_only=True)["Summary"]
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == "Total"]
    assert values[-1][-1] == "100.00 EUR; 120.00 USD"
