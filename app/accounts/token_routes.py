"""/settings/tokens: create personal access tokens for the REST API (the token is shown once, right after), list
them with their last use, revoke them. Pages of the settings blueprint."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import access_tokens
from app.accounts.settings_routes import bp
from app.accounts.token_forms import TokenForm
from app.extensions import db
from app.models import AccessToken
from app.timezones import utcnow

NEW_TOKEN_KEY = "new_api_token"  # the session holds a new token until the page that shows it once


def _render(form: TokenForm, status: int = 200, new_token: str | None = None):
    return render_template("settings/tokens.html", form=form, tokens=access_tokens.tokens_of(current_user),
                           new_token=new_token, now=utcnow()), status


@bp.get("/settings/tokens")
@login_required
def tokens():
    new_token = session.pop(NEW_TOKEN_KEY, None)
    return _render(TokenForm(formdata=None), new_token=new_token)


@bp.post("/settings/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    try:
        _token, raw = access_tokens.create_token(current_user, form.name.data, form.scope.data, form.expires_days)
    except access_tokens.TokenError as exc:
        form.name.errors.extend(exc.errors.values())
        return _render(form, 422)
    session[NEW_TOKEN_KEY] = raw
    return redirect(url_for("settings.tokens"), code=303)


@bp.post("/settings/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id):
    token = db.session.get(AccessToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if access_tokens.revoke_token(token, actor=current_user):
        flash(_("Token %(name)s revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("settings.tokens"), code=303)
