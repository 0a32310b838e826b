"""The backup archive: one ZIP (deflate) file, written and read as streams.

Members:
* `tables/<table>.copy` — one per business table, PostgreSQL COPY text format (one line a row);
* `cms/documents.jsonl` — every CMS document, one JSON object a line;
* `manifest.json` — written last: format, data version, schema revision, and for every
  member its row count, size and SHA-256.

Nothing here touches the database; `nexa.backup.snapshot` feeds and drains the members.
A member is written and read in chunks, so memory stays flat whatever the table size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "nexa-backup"
DATA_VERSION = "2.0"
MANIFEST = "manifest.json"
CMS_MEMBER = "cms/documents.jsonl"
ENCODING = "UTF8"
CHUNK = 1 << 20  # bytes moved at a time between the database, the archive and the disk
COMPRESS_LEVEL = 1  # deflate: fast; COPY text still shrinks ~5x


class InvalidBackup(Exception):
    """The archive cannot be restored; `detail` says why, `code` names the reason."""

    def __init__(self, detail: str, code: str = "invalid_backup_file") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


@dataclass
class MemberInfo:
    file: str
    rows: int
    bytes: int
    sha256: str


@dataclass
class TableEntry(MemberInfo):
    columns: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    schema_revision: str
    created_at: str
    tables: dict[str, TableEntry]
    cms: MemberInfo
    backup_id: int | None = None
    format: str = FORMAT
    data_version: str = DATA_VERSION
    encoding: str = ENCODING
    copy_format: str = "text"

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @property
    def record_counts(self) -> dict[str, int]:
        return {name: entry.rows for name, entry in self.tables.items()}

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise InvalidBackup(
                    "The archive's manifest is not a NEXA backup manifest",
                    "unsupported_backup_format",
                )
            if data.get("data_version") != DATA_VERSION:
                raise InvalidBackup(
                    f"Backup data version {data.get('data_version')!r} is not supported "
                    f"(this NEXA restores version {DATA_VERSION})",
                    "unsupported_backup_format",
                )
            return cls(
                schema_revision=str(data["schema_revision"]),
                created_at=str(data["created_at"]),
                tables={
                    str(name): TableEntry(
                        file=str(entry["file"]),
                        rows=int(entry["rows"]),
                        bytes=int(entry["bytes"]),
                        sha256=str(entry["sha256"]),
                        columns=[str(column) for column in entry["columns"]],
                    )
                    for name, entry in data["tables"].items()
                },
                cms=MemberInfo(
                    file=str(data["cms"]["file"]),
                    rows=int(data["cms"]["rows"]),
                    bytes=int(data["cms"]["bytes"]),
                    sha256=str(data["cms"]["sha256"]),
                ),
                backup_id=data.get("backup_id"),
                encoding=str(data.get("encoding", ENCODING)),
                copy_format=str(data.get("copy_format", "text")),
            )
        except InvalidBackup:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidBackup(f"The archive's manifest is unreadable ({exc})") from exc


def table_member(table: str) -> str:
    return f"tables/{table}.copy"


class Digest:
    """SHA-256, size and line count of a stream, fed chunk by chunk."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.bytes = 0
        self.lines = 0

    def update(self, data: bytes) -> None:
        self._sha.update(data)
        self.bytes += len(data)
        self.lines += data.count(b"\n")

    def info(self, file: str) -> MemberInfo:
        return MemberInfo(file=file, rows=self.lines, bytes=self.bytes, sha256=self.hexdigest())

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


class MemberWriter:
    """One member being written; `write` is blocking (call it off the event loop)."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.name = name
        self.digest = Digest()
        info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
        info.external_attr = 0o600 << 16
        self._stream = archive.open(info, "w", force_zip64=True)

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self._stream.write(data)

    def close(self) -> MemberInfo:
        self._stream.close()
        return self.digest.info(self.name)


class ArchiveWriter:
    """Writes `<path>.partial` (mode 0600) and renames it to `path` once complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file: IO[bytes] = os.fdopen(descriptor, "wb")
        self._zip = zipfile.ZipFile(
            self._file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        )

    def member(self, name: str) -> MemberWriter:
        return MemberWriter(self._zip, name)

    def finish(self, manifest: Manifest) -> int:
        """Write the manifest, flush to disk, move into place; returns the archive's size."""
        self._zip.writestr(MANIFEST, manifest.to_json())
        self._zip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.partial, self.path)
        return self.path.stat().st_size

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._zip.close()
        with contextlib.suppress(Exception):
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.partial.unlink()


class ArchiveReader:
    """An archive opened for reading; raises `InvalidBackup` for anything unusable."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise InvalidBackup(f"Backup file {path} does not exist", "backup_file_missing")
        with path.open("rb") as probe:
            head = probe.read(64).lstrip()
        if head.startswith(b"{"):
            raise InvalidBackup(
                "This is a reference-format (data version 1.0) JSON backup: it holds only part "
                "of the data and cannot be restored",
                "unsupported_backup_format",
            )
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InvalidBackup(
                f"{path.name} is not a readable backup archive (truncated or not a NEXA "
                f"backup): {exc}"
            ) from exc
        try:
            with self._zip.open(MANIFEST) as stream:
                raw = stream.read()
        except KeyError as exc:
            self.close()
            raise InvalidBackup(f"{path.name} has no {MANIFEST}: not a NEXA backup") from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            self.close()
            raise InvalidBackup(f"The manifest of {path.name} is damaged: {exc}") from exc
        try:
            self.manifest = Manifest.from_json(raw)
        except InvalidBackup:
            self.close()
            raise
        for member in [self.manifest.cms, *self.manifest.tables.values()]:
            try:
                self._zip.getinfo(member.file)
            except KeyError as exc:
                self.close()
                raise InvalidBackup(
                    f"{path.name} lacks {member.file} listed in its manifest"
                ) from exc

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextlib.contextmanager
    def open_member(self, name: str) -> Iterator[IO[bytes]]:
        with self._zip.open(name) as stream:
            yield stream

    def read_member_chunk(self, stream: IO[bytes]) -> bytes:
        """One chunk of a member (b"" at its end); damage is an `InvalidBackup`."""
        try:
            return stream.read(CHUNK)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise InvalidBackup(f"{self.path.name} is damaged: {exc}", "backup_damaged") from exc

    def verify_member(self, expected: MemberInfo) -> None:
        """Read one member through and compare its SHA-256 and row count with the manifest."""
        digest = Digest()
        with self.open_member(expected.file) as stream:
            while chunk := self.read_member_chunk(stream):
                digest.update(chunk)
        check_digest(expected, digest)

    def read_cms_documents(self) -> list[dict[str, Any]]:
        digest = Digest()
        documents: list[dict[str, Any]] = []
        with self.open_member(self.manifest.cms.file) as stream:
            for line in stream:
                digest.update(line)
                documents.append(json.loads(line))
        check_digest(self.manifest.cms, digest)
        return documents


def check_digest(expected: MemberInfo, digest: Digest) -> None:
    if digest.hexdigest() != expected.sha256:
        raise InvalidBackup(
            f"{expected.file} does not match its SHA-256 in the manifest (the archive was "
            "changed or damaged)",
            "backup_damaged",
        )
    if digest.lines != expected.rows or digest.bytes != expected.bytes:
        raise InvalidBackup(
            f"{expected.file} holds {digest.lines} rows ({digest.bytes} bytes); the manifest "
            f"says {expected.rows} ({expected.bytes} bytes)",
            "backup_damaged",
        )


def check_compatible(
    manifest: Manifest, schema_revision: str | None, layout: dict[str, list[str]]
) -> None:
    """The archive was taken from a database with this schema: same revision, same tables
    and columns. `layout` maps each business table of this database to its columns."""
    if manifest.schema_revision != schema_revision:
        raise InvalidBackup(
            f"The backup was taken at schema revision {manifest.schema_revision}; this database "
            f"is at {schema_revision}. Restore it with the NEXA version that wrote it",
            "schema_mismatch",
        )
    missing = sorted(set(layout) - set(manifest.tables))
    unknown = sorted(set(manifest.tables) - set(layout))
    if missing or unknown:
        raise InvalidBackup(
            "The backup's tables differ from this database's"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            "schema_mismatch",
        )
    for table, columns in layout.items():
        if manifest.tables[table].columns != columns:
            raise InvalidBackup(
                f"Table {table} has other columns in the backup than in this database",
                "schema_mismatch",
            )
    if manifest.encoding != ENCODING or manifest.copy_format != "text":
        raise InvalidBackup(
            f"Unsupported data encoding {manifest.encoding}/{manifest.copy_format}",
            "unsupported_backup_format",
        )
