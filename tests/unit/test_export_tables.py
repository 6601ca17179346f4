"""A full export of an organization covers every table that belongs to one: a table added later with an
organization_id column (or a foreign key to such a table) fails here until it is exported or excluded with a
reason (app/organizations/export_tables.py). And no exported column is a credential."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

import app.models  # noqa: F401  (registers every table)
from app.extensions import db
from app.organizations.export_tables import CREDENTIAL_MARKERS, EXCLUDED, TABLES


def organization_tables(metadata: MetaData) -> set[str]:
    """Tables holding an organization's rows: organizations, any table with an organization_id column, and any
    table with a foreign key to one of those (users belong to no organization: they are exported as members)."""
    owned = {"organizations"}
    changed = True
    while changed:
        changed = False
        for table in metadata.tables.values():
            if table.name in owned or table.name == "users":
                continue
            refers = {fk.column.table.name for fk in table.foreign_keys}
            if "organization_id" in table.c or refers & owned:
                owned.add(table.name)
                changed = True
    return owned


def test_every_organization_table_is_exported_or_excluded_with_a_reason():
    exported = {t.name for t in TABLES}
    missing = organization_tables(db.metadata) - exported - set(EXCLUDED)
    assert not missing, f"export these tables in export_tables.TABLES, or add them to EXCLUDED with why: {missing}"
    assert not exported & set(EXCLUDED)
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert (exported | set(EXCLUDED)) <= set(db.metadata.tables), "a listed table no longer exists"


def test_a_new_organization_table_is_noticed():
    """The check above finds a table the day it is added, through an organization_id or through a parent."""
    metadata = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(metadata)
    Table("estimates", metadata, Column("id", Integer, primary_key=True),
          Column("organization_id", ForeignKey("organizations.id")))
    Table("estimate_lines", metadata, Column("id", Integer, primary_key=True),
          Column("estimate_id", ForeignKey("estimates.id")))
    assert {"estimates", "estimate_lines"} <= organization_tables(metadata) - {t.name for t in TABLES}


def test_no_exported_column_is_a_credential():
    for table in TABLES:
        for column in table.columns:
            assert not any(m in column for m in CREDENTIAL_MARKERS), f"{table.name}.{column} looks like a credential"
    users = next(t for t in TABLES if t.name == "users")
    assert set(users.columns) == {"id", "email", "name", "time_zone", "idle_minutes", "theme", "language",
                                  "browser_language", "created_at"}
