"""Alembic environment: migrations run on the connection cxlens hands over."""

from __future__ import annotations

from alembic import context

from cxlens.collect.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only used through cxlens.collect.db.migrate
    raise RuntimeError("Run migrations through cxlens.collect.db.migrate(engine).")
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
