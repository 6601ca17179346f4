"""The /api/v1 blueprint: authentication by token, the rate limit per token, ETags, problem+json errors, and the
resources of the caller and their organizations. The other route modules of app/api add their resources to `bp`.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from app import policies
from app.api import conditional, representations
from app.api.auth import api_user, rate_limit_key, require_token
from app.api.problems import ApiError, from_http_exception, from_unexpected, problem
from app.extensions import csrf, db, limiter
from app.models import Membership, Organization

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookie authenticates here, so there is nothing for a cross-site form to ride on

PUBLIC_ENDPOINTS = {"api.openapi_document", "api.docs"}


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _rate_limit_message() -> str:
    return f"Too many requests with this token ({_rate_limit()}). Wait and try again."


limiter.limit(_rate_limit, key_func=rate_limit_key, error_message=_rate_limit_message)(bp)


def render_routing_error(error: HTTPException):
    """A path under /api/v1 that matches no route (404) or not with this method (405): a problem document too
    (no blueprint handler sees these: app/web/errors.py hands them over by path prefix)."""
    if error.code == 404:
        error.description = f"There is no {request.path} in this API: see /api/v1/docs."
    return from_http_exception(error)


@bp.before_request
def _authenticate():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        require_token()


@bp.after_request
def _etag(response):
    return conditional.apply(response)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return problem(error.status, error.detail, error.errors, error.headers)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    db.session.rollback()
    return from_http_exception(error)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    db.session.rollback()
    return from_unexpected(error)


# -- the caller and their organizations ---------------------------------------------------------------
@bp.get("/me")
def me():
    token = require_token()
    return jsonify(representations.me(token.user, token.scope))


@bp.get("/organizations")
def organizations():
    user = api_user()
    orgs = db.session.scalars(policies.organization_scope(user).order_by(Organization.name, Organization.id))
    return jsonify(data=[representations.organization(o, _role(user, o.id)) for o in orgs])


@bp.get("/organizations/<id:organization_id>")
def organization(organization_id):
    user = api_user()
    org = policies.load(user, Organization, organization_id)
    return jsonify(representations.organization(org, _role(user, org.id)))


@bp.get("/organizations/<id:organization_id>/members")
def members(organization_id):
    user = api_user()
    org = policies.load(user, Organization, organization_id)
    memberships = db.session.scalars(
        select(Membership).where(Membership.organization_id == org.id, Membership.removed_at.is_(None))
        .options(selectinload(Membership.user)).order_by(Membership.id))
    return jsonify(data=[representations.member(m) for m in memberships])


def _role(user, organization_id: int) -> str | None:
    role = policies.role_in(user, organization_id)
    return role.value if role else None
