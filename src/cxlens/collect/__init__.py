"""Feedback collection: surveys, signed invitations, responses, cases, delivery and sync.

The collection store is an OLTP database reached through SQLAlchemy Core (SQLite
in the workspace by default, PostgreSQL by URL); ``cxlens sync`` copies what it
holds into the warehouse's canonical tables.
"""
