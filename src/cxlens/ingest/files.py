"""Telling what a source file is: its format, text encoding, separator and column names."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
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


#: bytes read at a time when scanning a text file
CHUNK = 16 << 20
#: examples named in a message about lines
EXAMPLES = 5


def detect_encoding(path: Path, requested: str) -> str:
    """The encoding to read a text file with, after checking the whole file's bytes.

    'auto' reads UTF-8 (with or without BOM), UTF-16 with a BOM, or Latin-1. A file
    is refused, with its lines named, when it holds NUL bytes, looks like UTF-16
    without a byte-order mark, or mixes UTF-8 lines with lines in another encoding.
    """
    if requested != "auto":
        try:
            encoding = ENCODINGS[requested.lower()]
        except KeyError:
            raise CxlensError(
                f"Unsupported encoding '{requested}'; use utf-8, latin-1 or utf-16 "
                "(or convert the file to UTF-8 first)."
            ) from None
        if encoding != "utf-16" and not _compressed(path):
            _refuse_nul_bytes(path)
        return encoding
    if _compressed(path):
        return "utf-8"
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    _refuse_utf16_without_bom(path, head)
    _refuse_nul_bytes(path)
    if _is_utf8(path):
        return "utf-8"
    _refuse_mixed_encodings(path)
    return "latin-1"


def _compressed(path: Path) -> bool:
    return path.suffix.lower() in (".gz", ".zst")


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _lines_named(numbers: list[int], total: int) -> str:
    shown = ", ".join(map(str, numbers[:EXAMPLES]))
    more = f" and {total - EXAMPLES} more" if total > EXAMPLES else ""
    return f"{shown}{more}"


def _refuse_utf16_without_bom(path: Path, head: bytes) -> None:
    """Text in UTF-16 has a NUL byte beside nearly every Latin letter."""
    pairs = len(head) // 2
    if pairs < 4:
        return
    even = sum(1 for b in head[0 : 2 * pairs : 2] if b == 0)
    odd = sum(1 for b in head[1 : 2 * pairs : 2] if b == 0)
    if max(even, odd) > 0.3 * pairs:
        order = "big-endian" if even > odd else "little-endian"
        raise CxlensError(
            f"{path}: the file looks like UTF-16 ({order}) without a byte-order mark, which "
            "cannot be read safely. Save it as UTF-8 (or as UTF-16 with a byte-order mark) "
            "and import it again."
        )


def _refuse_nul_bytes(path: Path) -> None:
    lines: list[int] = []
    total = 0
    line = 1
    for chunk in _chunks(path):
        start = 0
        while (pos := chunk.find(b"\x00", start)) != -1:
            number = line + chunk.count(b"\n", 0, pos)
            if not lines or lines[-1] != number:
                total += 1
                if len(lines) < EXAMPLES:
                    lines.append(number)
            start = pos + 1
        line += chunk.count(b"\n")
    if total:
        raise CxlensError(
            f"{path}: NUL bytes (0x00) on line(s) {_lines_named(lines, total)}; a text file "
            "holds none, so the file is damaged or not text. Remove them or export the file again."
        )


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in _chunks(path):
            decoder.decode(chunk, final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _refuse_mixed_encodings(path: Path) -> None:
    """A file that is not UTF-8 throughout, but has UTF-8 lines, mixes two encodings."""
    utf8: list[int] = []
    other: list[int] = []
    counts = [0, 0]
    with open(path, "rb") as f:
        for number, raw_line in enumerate(f, start=1):
            if raw_line.isascii():
                continue
            try:
                raw_line.decode("utf-8")
            except UnicodeDecodeError:
                counts[1] += 1
                if len(other) < EXAMPLES:
                    other.append(number)
            else:
                counts[0] += 1
                if len(utf8) < EXAMPLES:
                    utf8.append(number)
    if counts[0] and counts[1]:
        raise CxlensError(
            f"{path}: mixes text encodings: line(s) {_lines_named(utf8, counts[0])} are UTF-8, "
            f"line(s) {_lines_named(other, counts[1])} are not (Latin-1 or another). Reading "
            "it as either would garble the other lines; save the file in one encoding "
            "(UTF-8) and import it again."
        )


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


def csv_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    """The column names of a CSV file's first line, exactly as written."""
    if _compressed(path):
        return []
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        try:
            return next(csv.reader(f, delimiter=delimiter))
        except (StopIteration, csv.Error):
            return []


#: the longest line DuckDB's CSV reader takes by default (max_line_size)
MAX_LINE_BYTES = 2_097_152


def first_ragged_line(path: Path, encoding: str, delimiter: str) -> tuple[int, str] | None:
    """(line number, what is wrong) of the first line that cannot be read as a CSV row."""

    if _compressed(path):
        return None
    limit = csv.field_size_limit(MAX_LINE_BYTES)
    try:
        return _first_bad_row(path, encoding, delimiter)
    finally:
        csv.field_size_limit(limit)


def _first_bad_row(path: Path, encoding: str, delimiter: str) -> tuple[int, str] | None:
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            return None
        start = reader.line_num
        try:
            for row in reader:
                if row and len(row) != len(header):
                    return (
                        reader.line_num,
                        f"the line has {len(row)} field(s) but the header has {len(header)}",
                    )
                start = reader.line_num
        except csv.Error as exc:
            line = start + 1
            if "field larger than field limit" in str(exc):
                return (
                    line,
                    f"a field is longer than {MAX_LINE_BYTES // (1 << 20)} MB, the most a row "
                    "may hold (often a quote that is never closed)",
                )
            if "EOF inside string" in str(exc) or "unexpected end of data" in str(exc):
                return (
                    line,
                    "a quoted field starts here and is never closed (an unterminated quote)",
                )
            return line, str(exc)
    return None


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lstrip("\ufeff")).lower()
