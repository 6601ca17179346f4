"""The rates pages (issue 21): owners set the organization's default and member rates, those who may edit a
project set its rates; a member sees and sets none; every form answers 303 + flash or 422 inline; a rate in effect
cannot be removed, a future one can; both audited."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.models import AuditEntry, Rate
from tests.conftest import login

FORM = {"kind": "cost", "user_id": "0", "amount": "42", "effective_from": "2026-02-01"}


def _rates(db, **where):
    query = select(Rate)
    for name, value in where.items():
        query = query.where(getattr(Rate, name).is_(None) if value is None else getattr(Rate, name) == value)
    return list(db.session.scalars(query))


def test_an_owner_adds_and_removes_organization_rates_audited(client, db, factory):
    w = factory.world()
    login(client, w.owner)
    page = client.get(f"/organizations/{w.org.id}/rates").get_data(as_text=True)
    assert 'data-testid="rate-form"' in page and "No rates yet." in page
    response = client.post(f"/organizations/{w.org.id}/rates", data={**FORM, "user_id": str(w.member.id)})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rate 42.00 from 2026-02-01 added." in page and w.member.name in page
    (rate,) = _rates(db, organization_id=w.org.id)
    assert (rate.kind, rate.amount, rate.user_id, rate.project_id, rate.created_by) == (
        "cost", Decimal("42.00"), w.member.id, None, w.owner.id)

    # a rate already in effect stays (it priced the past): 422 with the reason, nothing removed
    refused = client.post(f"/organizations/{w.org.id}/rates/{rate.id}/remove")
    assert refused.status_code == 422 and "Only a rate that is not yet in effect" in refused.get_data(as_text=True)
    assert len(_rates(db, organization_id=w.org.id)) == 1

    future = (date.today() + timedelta(days=10)).isoformat()
    client.post(f"/organizations/{w.org.id}/rates", data={**FORM, "kind": "billable", "effective_from": future})
    (later,) = _rates(db, organization_id=w.org.id, user_id=None)
    removed = client.post(f"/organizations/{w.org.id}/rates/{later.id}/remove")
    assert removed.status_code == 303
    assert "Rate removed." in client.get(removed.headers["Location"]).get_data(as_text=True)
    assert [r.id for r in _rates(db, organization_id=w.org.id)] == [rate.id]
    trail = [(e.action, e.target, e.details["amount"]) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("rate.%")).order_by(AuditEntry.id))]
    assert trail == [("rate.create", w.member.email, "42.00"), ("rate.create", "organization default", "42.00"),
                     ("rate.remove", "organization default", "42.00")]


def test_bad_rates_answer_422_inline_and_create_nothing(client, db, factory):
    w = factory.world()
    login(client, w.owner)
    for data, message in (({"amount": "-1"}, "Amount cannot be negative."),
                          ({"amount": "1.234"}, "at most two decimals"),
                          ({"amount": "lots"}, "Amount must be an amount"),
                          ({"effective_from": "2026-02-30"}, "Effective from must be a date"),
                          ({"kind": "free"}, "Choose billable or cost."),
                          ({"user_id": str(w.outsider.id)}, "Choose someone of the list.")):
        response = client.post(f"/organizations/{w.org.id}/rates", data={**FORM, **data})
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True)
    assert _rates(db) == []


def test_project_rates_by_role(client, db, factory):
    """Owners, admins and the manager of the project's team see and set its rates; a member never; only owners
    the organization's."""
    w = factory.world()
    for who, org_page, project_page in ((w.owner, 200, 200), (w.admin, 403, 200), (w.manager, 403, 200),
                                        (w.member, 403, 403)):
        login(client, who)
        assert client.get(f"/organizations/{w.org.id}/rates").status_code == org_page, who.email
        assert client.get(f"/projects/{w.alpha_project.id}/rates").status_code == project_page, who.email
        posted = client.post(f"/projects/{w.alpha_project.id}/rates", data={**FORM, "user_id": str(w.member.id)})
        assert posted.status_code == (303 if project_page == 200 else 403), who.email
        assert client.post(f"/organizations/{w.org.id}/rates", data=FORM).status_code == (
            303 if org_page == 200 else 403), who.email
        client.post("/logout")
    assert client.get(f"/projects/{w.alpha_project.id}/rates").status_code in (302, 303)  # signed out
    login(client, w.manager)
    assert client.get(f"/projects/{w.beta_project.id}/rates").status_code == 404  # another team's project
    assert len(_rates(db, project_id=w.alpha_project.id, user_id=w.member.id)) == 3  # owner, admin, manager
    assert len(_rates(db, project_id=None)) == 1  # the owner's


def test_a_client_has_its_own_currency_or_the_organizations(client, db, factory):
    from app.models import Client

    w = factory.world()
    login(client, w.owner)
    bad = client.post("/clients/new", data={"organization_id": w.org.id, "name": "Yankee", "currency": "XYZ"})
    assert bad.status_code == 422 and "Give an ISO 4217 currency code" in bad.get_data(as_text=True)
    assert client.post("/clients/new", data={"organization_id": w.org.id, "name": "Yankee",
                                             "currency": " usd "}).status_code == 303
    assert client.post("/clients/new", data={"organization_id": w.org.id, "name": "Local",
                                             "currency": ""}).status_code == 303
    made = {c.name: (c.currency, c.money_currency) for c in db.session.scalars(
        select(Client).where(Client.name.in_(["Yankee", "Local"])))}
    assert made == {"Yankee": ("USD", "USD"), "Local": (None, w.org.currency)}


def test_a_projects_page_shows_revenue_cost_and_profit_through_the_resolver(client, db, factory):
    """Revenue = billable rate x billable hours (the member's rate on the project beats the organization's
    default), cost = cost rate x all hours, profit = revenue - cost, in the project's client's currency."""
    from datetime import datetime

    from app.billing import figures
    from app.models import Client
    w = factory.world()
    project = factory.project(w.org, team=w.alpha, name="Priced", client=factory._save(
        Client(organization_id=w.org.id, name="Yankee", currency="USD")))
    db.session.add_all([
        Rate(organization_id=w.org.id, kind="billable", amount=Decimal("100"), effective_from=date(2026, 1, 1)),
        Rate(organization_id=w.org.id, project_id=project.id, user_id=w.member.id, kind="billable",
             amount=Decimal("150"), effective_from=date(2026, 1, 1)),
        Rate(organization_id=w.org.id, kind="cost", amount=Decimal("40"), effective_from=date(2026, 1, 1)),
    ])
    factory.time_log(w.member, project, datetime(2026, 11, 2, 9), 120, billable=True)
    factory.time_log(w.manager, project, datetime(2026, 11, 2, 9), 60, billable=True)
    factory.time_log(w.manager, project, datetime(2026, 11, 3, 9), 60, billable=False)
    factory.time_log(w.manager, project, datetime(2025, 11, 3, 9), 60, billable=True)  # before any rate
    db.session.commit()
    result = figures.for_project(project)
    assert (result.hours, result.billable_hours, result.unpriced_entries) == (Decimal("5.00"), Decimal("4.00"), 1)
    (usd,) = result.per_currency()
    assert (usd.currency, usd.revenue, usd.cost, usd.profit) == ("USD", Decimal("400.00"), Decimal("160.00"),
                                                                 Decimal("240.00"))
    login(client, w.manager)
    page = client.get(f"/projects/{project.id}/rates").get_data(as_text=True)
    assert 'data-testid="figures-USD"' in page and "400.00" in page and "160.00" in page and "240.00" in page
