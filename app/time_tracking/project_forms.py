"""Project and client forms. Choices come from the view (already policy-scoped); cross-field rules live here."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.currencies import CURRENCIES
from app.web.form_filters import int_or_none, strip

BUDGET_MAX = Decimal("99999999.99")  # Numeric(10, 2)
# a plain decimal, ASCII digits only: no exponent (1e-999 would round to 0.00), no NaN, no '١٢'
_PLAIN_DECIMAL = re.compile(r"-?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
_COLOR = re.compile(r"#[0-9a-fA-F]{6}", re.ASCII)
BUDGET_FORMAT = _l("Budget must be a number of hours, like 120 or 7.5.")


def plain_errors(form: FlaskForm) -> None:
    """The fields' errors as str: the lazy messages of validators declared in a class body are translated now, in the
    request's language (the API dumps them as JSON, which takes no lazy string)."""
    for field in form:
        field.errors = [str(error) for error in field.errors]


def _org_choices(orgs) -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in orgs]


class _OrgScopedForm(FlaskForm):
    organization_id = SelectField(_l("Organization"), coerce=int_or_none, validate_choice=False,
                                  validators=[InputRequired(_l("Choose an organization."))])
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(_l("Name is required.")), Length(max=200, message=_l("Name must be at most 200 characters.")),
    ], render_kw={"maxlength": 200})

    def __init__(self, orgs, *args, fixed_org: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {o.id: o for o in orgs}
        self.fixed_org = fixed_org
        self.organization_id.choices = _org_choices(orgs)
        if fixed_org is not None:  # editing: the organization never changes (logs reference it)
            self.organization_id.validators = []
            self.organization_id.data = fixed_org

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        plain_errors(self)
        return ok

    @property
    def show_org(self) -> bool:
        return self.fixed_org is None and len(self.orgs) > 1

    def validate_organization_id(self, field):
        if self.fixed_org is not None:
            field.data = self.fixed_org
        elif field.data not in self.orgs:
            raise ValidationError(_("Choose an organization where you may manage projects."))


class ClientForm(_OrgScopedForm):
    currency = StringField(_l("Currency (ISO 4217 code)"),
                           filters=[strip, lambda v: v.upper() if isinstance(v, str) else v],
                           render_kw={"maxlength": 3, "placeholder": _l("the organization's")})

    def validate_currency(self, field):
        """Empty: the organization's currency."""
        field.data = field.data or None
        if field.data is not None and field.data not in CURRENCIES:
            raise ValidationError(_("Give an ISO 4217 currency code, such as EUR, USD or GBP, or leave it empty."))


class ProjectForm(_OrgScopedForm):
    client_id = SelectField(_l("Client"), coerce=int_or_none, default=0, validate_choice=False)
    team_id = SelectField(_l("Team"), coerce=int_or_none, default=0, validate_choice=False)
    budget_hours = StringField(_l("Budget (hours)"), filters=[strip], render_kw={"inputmode": "decimal",
                                                                                 "placeholder": _l("e.g. 120")})
    billable = BooleanField(_l("Billable"), default=True)
    color = StringField(_l("Colour"), filters=[strip], render_kw={"type": "color"})
    hourly_rate = StringField(_l("Hourly rate"), filters=[strip], render_kw={"inputmode": "decimal",
                                                                            "placeholder": _l("e.g. 95.50")})

    budget: Decimal | None = None
    rate: Decimal | None = None

    def __init__(self, orgs, clients, teams, *args, team_required_for=(), **kwargs):
        """`teams` are the teams the user may put a project in; in organizations listed in
        `team_required_for` (where the user manages only some teams) a team must be chosen."""
        super().__init__(orgs, *args, **kwargs)
        self.clients = {c.id: c for c in clients}
        self.teams = {t.id: t for t in teams}
        self.team_required_for = set(team_required_for)
        prefix = (lambda r: f"{r.organization.name} · ") if len(self.orgs) > 1 else (lambda r: "")
        self.client_id.choices = [(0, _("No client"))] + [(c.id, prefix(c) + c.name) for c in clients]
        self.team_id.choices = [(0, _("No team"))] + [(t.id, prefix(t) + t.name) for t in teams]

    def validate_budget_hours(self, field):
        self.budget = None
        if not field.data:
            return
        if not _PLAIN_DECIMAL.fullmatch(field.data):
            raise ValidationError(str(BUDGET_FORMAT))
        value = Decimal(field.data.replace(",", "."))
        if value < 0:
            raise ValidationError(_("Budget cannot be negative."))
        if value > BUDGET_MAX:
            raise ValidationError(_("Budget is too large."))
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("Budget takes at most two decimals, like 7.25."))
        self.budget = value.quantize(Decimal("0.01"))

    def validate_hourly_rate(self, field):
        """The project's own billable rate per hour (Project.hourly_rate: a project-level rate, from today on a saved
        project), in its client's currency, else the organization's; empty: no project rate from today."""
        self.rate = None
        if not field.data:
            return
        if not _PLAIN_DECIMAL.fullmatch(field.data):
            raise ValidationError(_("Hourly rate must be an amount, like 90 or 95.50."))
        value = Decimal(field.data.replace(",", "."))
        if value < 0:
            raise ValidationError(_("Hourly rate cannot be negative."))
        if value > BUDGET_MAX:
            raise ValidationError(_("Hourly rate is too large."))
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("Hourly rate takes at most two decimals, like 95.50."))
        self.rate = value.quantize(Decimal("0.01"))

    def validate_color(self, field):
        """#rrggbb (what a colour picker sends); empty: the next colour of the palette."""
        if field.data and not _COLOR.fullmatch(field.data):
            raise ValidationError(_("Colour must look like #3b82f6."))
        field.data = (field.data or "").lower() or None

    def validate_client_id(self, field):
        # None: not an id at all ('abc'); 0 is the "No client" choice
        if field.data is None or (field.data and field.data not in self.clients):
            raise ValidationError(_("Choose one of your organization's clients."))

    def validate_team_id(self, field):
        if field.data is None or (field.data and field.data not in self.teams):
            raise ValidationError(_("Choose a team you may manage."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok:
            return False
        org_id = self.organization_id.data
        client = self.clients.get(self.client_id.data)
        if client is not None and client.organization_id != org_id:
            self.client_id.errors.append(_("That client belongs to another organization."))
            ok = False
        team = self.teams.get(self.team_id.data)
        if team is not None and team.organization_id != org_id:
            self.team_id.errors.append(_("That team belongs to another organization."))
            ok = False
        if team is None and org_id in self.team_required_for:
            self.team_id.errors.append(_("Managers put projects in a team they manage."))
            ok = False
        return ok
