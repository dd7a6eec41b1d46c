"""Validated import of source files into the canonical tables."""

from cxlens.ingest.importer import ImportOptions, ImportResult, import_file

__all__ = ["ImportOptions", "ImportResult", "import_file"]
