"""Telling what a source file is: its format, text encoding, separator and column names."""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

from cxlens.errors import CxlensError

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
}


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in set(FORMATS.values()):
            raise CxlensError(f"Unknown format '{fmt}'; use csv, parquet or jsonl.")
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".zst") and len(suffixes) > 1:
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    if ext not in FORMATS:
        raise CxlensError(
            f"{path}: cannot tell the format from the name; use a .csv, .tsv, .parquet or .jsonl "
            "file, or say --format csv|parquet|jsonl."
        )
    return FORMATS[ext]


def detect_encoding(path: Path, requested: str) -> str:
    """The encoding to read a text file with; 'auto' reads UTF-8 (with or without BOM) or Latin-1."""
    if requested != "auto":
        try:
            return ENCODINGS[requested.lower()]
        except KeyError:
            raise CxlensError(
                f"Unsupported encoding '{requested}'; use utf-8, latin-1 or utf-16 "
                "(or convert the file to UTF-8 first)."
            ) from None
    if path.suffix.lower() in (".gz", ".zst"):
        return "utf-8"
    with open(path, "rb") as f:
        head = f.read(4 << 20)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def detect_delimiter(path: Path, encoding: str) -> str:
    """The field separator of a CSV file, judged by its header line."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    if path.suffix.lower() in (".gz", ".zst"):
        return ","
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        header = f.readline()
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def first_ragged_line(path: Path, encoding: str, delimiter: str) -> tuple[int, int, int] | None:
    """(line number, fields, header fields) of the first row whose width differs from the header."""

    if path.suffix.lower() in (".gz", ".zst"):
        return None
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            return None
        try:
            for row in reader:
                if row and len(row) != len(header):
                    return reader.line_num, len(row), len(header)
        except csv.Error:
            return reader.line_num, -1, len(header)
    return None


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lstrip("\ufeff")).lower()
