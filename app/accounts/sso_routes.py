"""Single sign-on pages: the provider buttons post here, the provider sends the person back to the callback, and
app/services/sso.py decides what that identity leads to (sign in, confirm a link, a new account, or no).

Every answer is a redirect (303) or a page; a provider's error, a forged or stale state, a token that does not
verify land on /login (or settings, when linking) with a message, never a 500.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app import policies
from app.accounts import oidc
from app.accounts import sso as service
from app.accounts.accounts import ServiceUnavailable
from app.accounts.routes import _safe_next
from app.accounts.sign_in import continue_sign_in, remember_browser_language
from app.accounts.sso_forms import ConfirmLinkForm
from app.extensions import limiter
from app.organizations import invitations

bp = Blueprint("sso", __name__)

PENDING_KEY = "sso_pending"  # the session's pending link (its id in Redis), confirmed on /login/sso/confirm


def _provider(name: str) -> oidc.Provider:
    found = oidc.provider(name)
    if found is None:
        abort(404)
    return found


def _callback_url(name: str) -> str:
    """What the provider sends the person back to (register it there): https behind a TLS proxy in production."""
    secure = request.is_secure or (current_app.config["APP_ENV"] == "production" and current_app.config["FORCE_HTTPS"])
    return url_for("sso.callback", name=name, _external=True, _scheme="https" if secure else request.scheme)


def _to_provider(name: str, failure_url: str, **carry):
    try:
        return redirect(oidc.begin(name, _callback_url(name), **carry), code=303)
    except oidc.SignInFailed as exc:
        flash(str(exc), "error")
        return redirect(failure_url, code=303)


@bp.post("/login/sso/<name>")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"],
               error_message=lambda: _("Too many sign-in attempts. Wait a minute and try again."))
def start(name):
    """A "Sign in with ..." button (a POST with its CSRF token, so no other site can start it)."""
    _provider(name)
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.user"), code=303)
    next_page = request.values.get("next")
    next_page = _safe_next(next_page) if next_page else None
    return _to_provider(name, url_for("auth.login", next=next_page), intent="sign-in", next=next_page)


@bp.post("/settings/sso/<name>/link")
@login_required
def start_link(name):
    _provider(name)
    return _to_provider(name, url_for("settings.index", _anchor="sso-settings"), intent="link",
                        user_id=current_user.id)


@bp.get("/login/sso/<name>/callback")
def callback(name):
    provider = _provider(name)
    carry = oidc.pending_carry(name, request.args.get("state")) or {}
    linking = carry.get("intent") == "link"
    failure_url = url_for("settings.index", _anchor="sso-settings") if linking else \
        url_for("auth.login", next=carry.get("next"))
    try:
        identity = oidc.finish(name, request.args)
        if linking:
            return _linked(provider, identity, carry)
        outcome = service.sign_in(identity, carry.get("next"))
    except (oidc.SignInFailed, service.SSOError) as exc:
        flash(str(exc), "error")
        return redirect(failure_url, code=303)
    except ServiceUnavailable as exc:
        abort(503, str(exc))
    if outcome.pending:
        session[PENDING_KEY] = outcome.pending
        return redirect(url_for("sso.confirm"), code=303)
    if outcome.created:  # a new account has no second factor yet
        login_user(outcome.user)
        remember_browser_language(outcome.user)
        flash(_("Welcome to Timeboard, %(name)s. You signed up with %(provider)s.", name=outcome.user.name,
                provider=provider.label), "success")
        if carry.get("next"):
            return redirect(_safe_next(carry["next"]), code=303)
        if outcome.invitation is not None:
            return redirect(urlsplit(invitations.link(outcome.invitation)).path, code=303)
        return redirect(url_for("organizations.new_organization"), code=303)
    return continue_sign_in(outcome.user, False, _safe_next(carry.get("next")))  # the code step, if it has 2FA


def _linked(provider: oidc.Provider, identity: oidc.Identity, carry: dict):
    if not current_user.is_authenticated or current_user.id != carry.get("user_id"):
        flash(_("Sign in first, then link the provider from your settings."), "error")
        return redirect(url_for("auth.login"), code=303)
    service.link(current_user._get_current_object(), identity)
    flash(_("You can now sign in with %(provider)s.", provider=provider.label), "success")
    return redirect(url_for("settings.index", _anchor="sso-settings"), code=303)


@bp.route("/login/sso/confirm", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               error_message=lambda: _("Too many sign-in attempts. Wait a minute and try again."))
def confirm():
    """An existing account has the provider's verified address: its password links the two (or an e-mailed link)."""
    try:
        pending = service.pending(session.get(PENDING_KEY))
    except ServiceUnavailable as exc:
        abort(503, str(exc))
    if pending is None:
        session.pop(PENDING_KEY, None)
        flash(_("This sign-in waited too long or was already used: sign in with the provider again."), "error")
        return redirect(url_for("auth.login"), code=303)
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        try:
            user, _found = service.confirm_with_password(pending.id, form.password.data)
        except service.WrongPassword as exc:
            form.password.errors.append(str(exc))
        except service.SSOError as exc:
            session.pop(PENDING_KEY, None)
            flash(str(exc), "error")
            return redirect(url_for("auth.login"), code=303)
        except ServiceUnavailable as exc:
            abort(503, str(exc))
        else:
            session.pop(PENDING_KEY, None)
            flash(_("%(provider)s is now linked to your account: next time it signs you in at once.",
                    provider=pending.label), "success")
            return continue_sign_in(user, False, _safe_next(pending.next))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/sso_confirm.html", pending=pending, account=pending.user, form=form), status


@bp.post("/login/sso/confirm/email")
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"],
               error_message=lambda: _("Too many e-mails asked for. Wait a minute and try again."))
def confirm_by_email():
    try:
        pending = service.send_link(session.get(PENDING_KEY) or "")
    except service.SSOError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.login"), code=303)
    except ServiceUnavailable as exc:
        abort(503, str(exc))
    flash(_("We sent a link to %(email)s: open it within an hour to link %(provider)s and sign in.",
            email=pending.email, provider=pending.label), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/login/sso/link/<token>", methods=["GET", "POST"])
def confirm_link(token):
    """The e-mailed link: a page with one button (a mail scanner's GET links nothing), then linked and signed in."""
    try:
        if request.method == "GET":
            pending = service.pending_from_token(token)
            return render_template("auth/sso_link.html", pending=pending, account=pending.user)
        user, pending = service.confirm_by_link(token)
    except service.SSOError as exc:
        return render_template("auth/link_problem.html", message=str(exc)), 410
    except ServiceUnavailable as exc:
        abort(503, str(exc))
    session.pop(PENDING_KEY, None)
    flash(_("%(provider)s is now linked to your account: next time it signs you in at once.",
            provider=pending.label), "success")
    return continue_sign_in(user, False, _safe_next(pending.next))


@bp.post("/settings/sso/<id:identity_id>/unlink")
@login_required
def unlink(identity_id):
    user = current_user._get_current_object()
    try:
        row = service.unlink(user, policies.load_sso_identity(user, identity_id))
    except service.SSOError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(provider)s no longer signs you in.", provider=service.label(row.provider)), "success")
    return redirect(url_for("settings.index", _anchor="sso-settings"), code=303)
