"""The API's OpenAPI 3.1 document, kept here as a Python structure beside the code it describes: served at
/api/v1/openapi.json, rendered at /api/v1/docs, validated by the tests, which also check every response they get
against its operation's schema."""
from __future__ import annotations

from copy import deepcopy

PROBLEM = {"$ref": "#/components/schemas/Problem"}
ID = {"type": "integer", "minimum": 1}
TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_ID = {"type": ["integer", "null"]}
DECIMAL = {"type": ["string", "null"], "pattern": r"^[0-9]+\.[0-9]{2}$"}


def _obj(properties: dict, required: list[str] | None = None, extra: bool = False) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": extra}


def _list_of(ref: str) -> dict:
    return _obj({"data": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}})


SCHEMAS = {
    "Problem": _obj({
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Field errors of a 422: {field: message}."},
    }, required=["type", "title", "status", "detail"]),
    "Me": _obj({
        "id": ID, "email": {"type": "string"}, "name": {"type": "string"}, "time_zone": {"type": "string"},
        "is_system_admin": {"type": "boolean"}, "token_scope": {"enum": ["read", "write"]},
        "organizations": {"type": "array", "items": _obj({"id": ID, "role": {"type": "string"}})},
    }),
    "User": _obj({"id": ID, "email": {"type": "string"}, "name": {"type": "string"},
                  "time_zone": {"type": "string"}}),
    "Organization": _obj({
        "id": ID, "name": {"type": "string"}, "currency": {"type": "string"}, "week_start": {"enum": [0, 6]},
        "role": {"type": ["string", "null"], "description": "The caller's role (null for a system admin)."},
        "created_at": TIMESTAMP}),
    "Member": _obj({"user": {"$ref": "#/components/schemas/User"}, "role": {"type": "string"},
                    "joined_at": TIMESTAMP}),
    "Project": _obj({
        "id": ID, "organization_id": ID, "name": {"type": "string"}, "client_id": NULLABLE_ID, "team_id": NULLABLE_ID,
        "status": {"enum": ["active", "archived"]}, "billable": {"type": "boolean"}, "budget_hours": DECIMAL,
        "hourly_rate": DECIMAL, "created_at": TIMESTAMP}),
    "ProjectInput": _obj({
        "organization_id": ID, "name": {"type": "string", "maxLength": 200}, "client_id": NULLABLE_ID,
        "team_id": NULLABLE_ID, "budget_hours": {"type": ["string", "number", "null"]},
        "billable": {"type": "boolean"}, "hourly_rate": {"type": ["string", "number", "null"]},
        "status": {"enum": ["active", "archived"], "description": "PATCH only: archive or unarchive."},
    }, required=[]),
    "Client": _obj({"id": ID, "organization_id": ID, "name": {"type": "string"}, "archived": {"type": "boolean"},
                    "created_at": TIMESTAMP}),
    "ClientInput": _obj({"organization_id": ID, "name": {"type": "string", "maxLength": 200},
                         "archived": {"type": "boolean", "description": "PATCH only."}}, required=[]),
    "TimeEntry": _obj({
        "id": ID, "user_id": ID, "organization_id": ID, "project_id": ID, "start": TIMESTAMP,
        "end": NULLABLE_TIMESTAMP, "duration_minutes": {"type": ["integer", "null"]},
        "description": {"type": "string"}, "billable": {"type": "boolean"},
        "running": {"type": "boolean", "description": "A running timer: no end yet."},
        "task_id": NULLABLE_ID, "tag_ids": {"type": "array", "items": ID}}),
    "Tag": _obj({"id": ID, "organization_id": ID, "name": {"type": "string"}}),
    "Task": _obj({"id": ID, "project_id": ID, "name": {"type": "string"}}),
    "TimeEntryInput": _obj({
        "project_id": ID, "start": TIMESTAMP, "end": NULLABLE_TIMESTAMP,
        "duration_minutes": {"type": "integer", "minimum": 1, "description": "Instead of end."},
        "description": {"type": "string"}, "billable": {"type": "boolean", "description": "Default: the project's."},
        "task_id": {**NULLABLE_ID, "description": "One of the project's tasks. A change keeps it on the same project."},
        "tag_ids": {"type": "array", "items": ID,
                    "description": "Tags of the project's organization. A change keeps them when left out."},
    }, required=[]),
    "TimeEntryPage": _obj({
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/TimeEntry"}},
        "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null: last."},
    }),
    "Timer": _obj({"timer": {"oneOf": [{"$ref": "#/components/schemas/TimeEntry"}, {"type": "null"}]}}),
    # kept false: a timer under a minute is not kept (deleted); `stopped` is what it was
    "TimerStopped": _obj({"timer": {"type": "null"}, "stopped": {"$ref": "#/components/schemas/TimeEntry"},
                          "kept": {"type": "boolean"}}),
    "TimerStart": _obj({"project_id": ID, "description": {"type": "string"}, "task_id": NULLABLE_ID,
                        "tag_ids": {"type": "array", "items": ID}}, required=["project_id"]),
    "Report": _obj({
        "id": ID, "organization_id": ID, "status": {"enum": ["pending", "running", "completed", "failed", "canceled"]},
        "phase": {"type": "string"}, "percent": {"type": "integer"}, "format": {"enum": ["csv", "xlsx", "pdf"]},
        "params": {"type": "object"}, "rows": {"type": ["integer", "null"]}, "bytes": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]}, "created_at": TIMESTAMP, "finished_at": NULLABLE_TIMESTAMP,
        "file_url": {"type": ["string", "null"], "description": "Set once the file can be downloaded."}}),
    "ReportInput": _obj({
        "organization_id": ID,
        "range": {"enum": ["this_week", "last_week", "this_month", "last_month", "this_year", "custom"]},
        "date_from": {"type": "string", "format": "date"}, "date_to": {"type": "string", "format": "date"},
        "groups": {"type": "array", "maxItems": 2,
                   "items": {"enum": ["project", "client", "user", "team", "day", "week", "month"]}},
        "project_ids": {"type": "array", "items": ID}, "client_ids": {"type": "array", "items": ID},
        "user_ids": {"type": "array", "items": ID}, "team_ids": {"type": "array", "items": ID},
        "billable": {"enum": ["all", "billable", "non_billable"]},
        "rounding": {"enum": ["none", "up", "down", "nearest"]}, "rounding_minutes": {"enum": [1, 5, 6, 10, 15, 30]},
        "hours_format": {"enum": ["hmm", "decimal"]}, "format": {"enum": ["csv", "xlsx", "pdf"]},
    }, required=["organization_id"]),
}

ERRORS = {
    "400": "Malformed JSON, or a body that is not a JSON object.",
    "401": "No token, or an unknown, revoked or expired one (with WWW-Authenticate: Bearer).",
    "403": "The token's scope or the caller's role does not allow this.",
    "404": "No such record, or one the caller may not see.",
    "409": "The record is not in a state that allows this (locked time: in an approved week, before the "
           "organization's lock date, or on a sent or paid invoice; `detail` names the lock).",
    "422": "Field errors (`errors`).",
    "429": "Too many requests with this token (Retry-After says when to try again).",
    "500": "An error on our side, logged (a problem document all the same, never a traceback).",
}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(op_id: str, summary: str, ok: tuple[str, str, dict | None], errors: tuple[str, ...] = (),
        body: str | None = None, params: tuple[dict, ...] = (), tag: str = "") -> dict:
    status, description, schema = ok
    responses = {status: {"description": description, **(_json(schema) if schema is not None else {})}}
    if status == "200":
        responses["304"] = {"description": "Not modified: the If-None-Match ETag is still current."}
    for code in ("401", "429", *errors, "500"):
        responses[code] = {"description": ERRORS[code],
                           "content": {"application/problem+json": {"schema": PROBLEM}}}
    operation = {"operationId": op_id, "summary": summary, "tags": [tag], "responses": responses}
    if body:
        operation["requestBody"] = {"required": True, **_json(_ref(body))}
    if params:
        operation["parameters"] = list(params)
    return operation


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


W = ("400", "403", "422")  # what a write may also answer
PATHS = {
    "/me": {"get": _op("getMe", "The token's user, their organizations and the token's scope",
                       ("200", "The caller", _ref("Me")), tag="Me")},
    "/organizations": {"get": _op("listOrganizations", "Organizations the caller belongs to",
                                  ("200", "Organizations", _list_of("Organization")), tag="Organizations")},
    "/organizations/{organization_id}": {"get": _op(
        "getOrganization", "One organization", ("200", "The organization", _ref("Organization")), ("404",),
        params=(_path_id("organization_id"),), tag="Organizations")},
    "/organizations/{organization_id}/members": {"get": _op(
        "listMembers", "The organization's current members", ("200", "Members", _list_of("Member")), ("404",),
        params=(_path_id("organization_id"),), tag="Organizations")},
    "/organizations/{organization_id}/tags": {"get": _op(
        "listTags", "The organization's tags", ("200", "Tags", _list_of("Tag")), ("404",),
        params=(_path_id("organization_id"),), tag="Organizations")},
    "/projects/{project_id}/tasks": {"get": _op(
        "listTasks", "The project's tasks", ("200", "Tasks", _list_of("Task")), ("404",),
        params=(_path_id("project_id"),), tag="Projects")},
    "/projects": {
        "get": _op("listProjects", "Projects the caller may see", ("200", "Projects", _list_of("Project")), ("422",),
                   params=(_query("status", {"enum": ["active", "archived", "all"]}, "Default active."),),
                   tag="Projects"),
        "post": _op("createProject", "Create a project (managers, admins, owners)",
                    ("201", "Created", _ref("Project")), W, body="ProjectInput", tag="Projects")},
    "/projects/{project_id}": {
        "get": _op("getProject", "One project", ("200", "The project", _ref("Project")), ("404",),
                   params=(_path_id("project_id"),), tag="Projects"),
        "patch": _op("updateProject", "Change a project (and archive or unarchive it with status)",
                     ("200", "Changed", _ref("Project")), (*W, "404"), body="ProjectInput",
                     params=(_path_id("project_id"),), tag="Projects")},
    "/clients": {
        "get": _op("listClients", "Clients (managers, admins, owners)", ("200", "Clients", _list_of("Client")),
                   ("403",), tag="Clients"),
        "post": _op("createClient", "Create a client", ("201", "Created", _ref("Client")), W, body="ClientInput",
                    tag="Clients")},
    "/clients/{client_id}": {
        "get": _op("getClient", "One client", ("200", "The client", _ref("Client")), ("404",),
                   params=(_path_id("client_id"),), tag="Clients"),
        "patch": _op("updateClient", "Rename, archive or unarchive a client", ("200", "Changed", _ref("Client")),
                     (*W, "404"), body="ClientInput", params=(_path_id("client_id"),), tag="Clients")},
    "/time-entries": {
        "get": _op("listTimeEntries", "Time entries the caller may see, newest first, a page at a time",
                   ("200", "A page of entries", _ref("TimeEntryPage")), ("422",), params=(
                       _query("user_id", ID, "Only this person's entries."),
                       _query("project_id", ID, "Only this project's entries."),
                       _query("from", {"type": "string", "format": "date"}, "From this day (caller's time zone)."),
                       _query("to", {"type": "string", "format": "date"}, "To this day, inclusive."),
                       _query("billable", {"type": "boolean"}, "Only billable (true) or non-billable (false)."),
                       _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size (50)."),
                       _query("cursor", {"type": "string"}, "next_cursor of the previous page.")),
                   tag="Time entries"),
        "post": _op("createTimeEntry", "Add a finished entry", ("201", "Created", _ref("TimeEntry")), (*W, "409"),
                    body="TimeEntryInput", tag="Time entries")},
    "/time-entries/{entry_id}": {
        "get": _op("getTimeEntry", "One entry", ("200", "The entry", _ref("TimeEntry")), ("404",),
                   params=(_path_id("entry_id"),), tag="Time entries"),
        "patch": _op("updateTimeEntry", "Change an entry (fields left out keep their values)",
                     ("200", "Changed", _ref("TimeEntry")), (*W, "404", "409"), body="TimeEntryInput",
                     params=(_path_id("entry_id"),), tag="Time entries"),
        "delete": _op("deleteTimeEntry", "Delete an entry", ("204", "Deleted", None), ("403", "404", "409"),
                      params=(_path_id("entry_id"),), tag="Time entries")},
    "/timer": {"get": _op("getTimer", "The caller's running timer, or null", ("200", "The timer", _ref("Timer")),
                          tag="Timer")},
    "/timer/start": {"post": _op("startTimer", "Start a timer (a running one stops first)",
                                 ("201", "Started", _ref("Timer")), (*W, "404", "409"), body="TimerStart",
                                 tag="Timer")},
    "/timer/stop": {"post": _op("stopTimer", "Stop the running timer (one under a minute is not kept)",
                                ("200", "Stopped", _ref("TimerStopped")),
                                ("403", "409"), tag="Timer")},
    "/reports": {"post": _op("createReport", "Ask for a report: a job builds it",
                             ("202", "Accepted: poll its Location", _ref("Report")), W, body="ReportInput",
                             tag="Reports")},
    "/reports/{report_id}": {"get": _op("getReport", "A report's status", ("200", "The report", _ref("Report")),
                                        ("404",), params=(_path_id("report_id"),), tag="Reports")},
    "/reports/{report_id}/file": {"get": {
        **_op("getReportFile", "The report's file, once completed", ("200", "The file", None), ("404", "409"),
              params=(_path_id("report_id"),), tag="Reports"),
    }},
}
PATHS["/openapi.json"] = {"get": {
    "operationId": "getOpenApi", "summary": "This document (no token needed)", "tags": ["About"], "security": [],
    "responses": {"200": {"description": "OpenAPI 3.1", **_json({"type": "object"})},
                  "304": {"description": "Not modified."},
                  "429": {"description": ERRORS["429"], "content": {"application/problem+json": {"schema": PROBLEM}}}}}}
PATHS["/docs"] = {"get": {
    "operationId": "getDocs", "summary": "This document as a page (no token needed)", "tags": ["About"],
    "security": [], "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {
        "type": "string"}}}}, "304": {"description": "Not modified."}}}}
PATHS["/reports/{report_id}/file"]["get"]["responses"]["200"]["content"] = {
    mime: {"schema": {"type": "string", "contentMediaType": mime}}
    for mime in ("text/csv", "application/zip", "application/pdf",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Timeboard API", "version": "1.0.0",
        "description": "Time entries, timers, projects, clients, organizations and reports. Authenticate with a "
                       "personal access token (Settings → API tokens): `Authorization: Bearer tb_…`. Errors are "
                       "RFC 9457 problem documents; every GET carries a weak ETag; each token has a rate limit.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "A personal access token (tb_…); read scope: GET only."}},
    },
}


def document() -> dict:
    return deepcopy(DOCUMENT)


def operations() -> list[dict]:
    """Every operation, for the docs page: method, path, summary, responses."""
    found = []
    for path, methods in PATHS.items():
        for method, operation in methods.items():
            found.append({"method": method.upper(), "path": path, "id": operation["operationId"],
                          "summary": operation["summary"], "tag": operation["tags"][0],
                          "body": (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                                   .get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]),
                          "parameters": operation.get("parameters", []),
                          "responses": {code: r["description"] for code, r in operation["responses"].items()}})
    return found
