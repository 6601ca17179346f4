"""The API's description: /api/v1/openapi.json (OpenAPI 3.1) and /api/v1/docs (the same, as a page). Public:
no token needed to read how to use one."""
from __future__ import annotations

from flask import jsonify, render_template

from app.api import openapi
from app.api.problems import SLUGS
from app.api.routes import bp


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.get("/docs")
def docs():
    return render_template("api/docs.html", info=openapi.DOCUMENT["info"], operations=openapi.operations(),
                           schemas=openapi.SCHEMAS, problems=SLUGS)
