"""Backing up and restoring the whole installation: the database and the uploaded files.

A backup is one ``.tar.gz`` archive holding

- ``manifest.json``: the archive format and version, the database vendor (and for PostgreSQL
  the server's and pg_dump's versions), the Django migrations applied, row counts of the main
  tables, and a SHA-256 of every other member;
- the database: ``database.sqlite3`` (a consistent copy made with SQLite's online backup API,
  safe while the app runs) or ``database.dump`` (``pg_dump -Fc``);
- ``media/``: every file under MEDIA_ROOT (evidence, kept import uploads).

`backup_create` writes it (to a temporary name first, so a failed backup never leaves a
half-written archive under the final name). `backup_restore` checks everything before touching
anything: the archive unpacks, the manifest is ours and of a known version, the vendor is the
one in use, every checksum matches, the migrations are ones this code knows, and (PostgreSQL)
pg_restore can read the dump. Only then does it replace the database in one transaction and
put the uploaded files in place, then apply any migrations the archive predates.

Every refusal is a `BackupError` with a Vietnamese message for the operator.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "parindex-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.dump"
MEDIA_PREFIX = "media/"

# The tables counted in the manifest (and printed by both commands), by model label.
COUNTED = [
    "agencies.Province",
    "agencies.Agency",
    "plans.Plan",
    "plans.Section",
    "plans.Task",
    "plans.Assignment",
    "plans.ProgressUpdate",
    "plans.Evidence",
    "plans.ImportRun",
    "auth.User",
]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in Vietnamese."""


@dataclass
class Summary:
    path: Path
    vendor: str
    counts: dict[str, int]
    media_files: int


# --- backup ----------------------------------------------------------------------------------


def backup_create(*, path: Path) -> Summary:
    """Write a backup archive to `path` (a directory gets a dated file name inside it)."""
    path = Path(path)
    if path.is_dir():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path = path / f"parindex-backup-{stamp}.tar.gz"
    if not path.parent.is_dir():
        raise BackupError(f"Thư mục {path.parent} không tồn tại: hãy tạo thư mục trước.")
    vendor = connection.vendor
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "migrations": _applied_migrations(),
        "counts": table_counts(),
        "files": {},
    }
    with tempfile.TemporaryDirectory(prefix="parindex-backup-") as work:
        work = Path(work)
        if vendor == "sqlite":
            database = work / SQLITE_MEMBER
            _sqlite_copy_out(database)
        elif vendor == "postgresql":
            database = work / PG_MEMBER
            manifest.update(_pg_dump(database))
        else:
            raise BackupError(f"Cơ sở dữ liệu {vendor} chưa được hỗ trợ sao lưu.")
        members = [(database, database.name)]
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.is_dir():
            for file in sorted(p for p in media_root.rglob("*") if p.is_file()):
                members.append((file, MEDIA_PREFIX + file.relative_to(media_root).as_posix()))
        for source, name in members:
            manifest["files"][name] = _sha256(source)
        manifest_path = work / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")

        partial = path.with_name(path.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(manifest_path, MANIFEST)
                for source, name in members:
                    archive.add(source, name)
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(f"Không ghi được tệp sao lưu {path}: {exc.strerror or exc}.") from exc
    return Summary(path, vendor, manifest["counts"], len(members) - 1)


def table_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _sqlite_copy_out(target: Path) -> None:
    # The online backup API copies a consistent snapshot even while the app writes.
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL tools ------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"Không tìm thấy chương trình {name} trên PATH: hãy cài gói postgresql-client cùng "
            f"phiên bản với máy chủ PostgreSQL (Debian/Ubuntu: apt-get install postgresql-client)."
        )
    return found


def _tool_major(tool: str) -> int:
    output = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if match is None:
        raise BackupError(f"Không đọc được phiên bản của {tool} ({output.strip()!r}).")
    return int(match[1])


def _server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _pg_connection_args() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str], what: str, **kwargs) -> None:
    result = subprocess.run(command, env=env, capture_output=True, **kwargs)
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"{what} thất bại: {' '.join(detail[-3:]) or 'không rõ lỗi'}.")


def _pg_dump(target: Path) -> dict:
    pg_dump = _pg_tool("pg_dump")
    tool, server = _tool_major(pg_dump), _server_major()
    if tool < server:
        raise BackupError(
            f"pg_dump phiên bản {tool} cũ hơn máy chủ PostgreSQL {server}: pg_dump không sao lưu "
            f"được máy chủ mới hơn nó. Hãy cài postgresql-client-{server} và đặt nó lên đầu PATH."
        )
    args, env = _pg_connection_args()
    name = settings.DATABASES["default"]["NAME"]
    _run(
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", *args, "--file", str(target)]
        + ["--dbname", name],
        env,
        "Sao lưu bằng pg_dump",
    )
    return {"postgresql_server": server, "pg_dump": tool}


# --- restore ---------------------------------------------------------------------------------


def backup_read(*, path: Path, work: Path) -> dict:
    """Unpack and check an archive into `work`; return its manifest. Touches nothing else."""
    path = Path(path)
    corrupt = f"Tệp sao lưu {path.name} bị hỏng hoặc không đầy đủ"
    if not path.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {path}.")
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                if not (member.isfile() or member.isdir()) or not _safe_name(member.name):
                    raise BackupError(f"{corrupt}: có mục không hợp lệ “{member.name}”.")
            archive.extractall(work, members=members, filter="data")
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(
            f"{corrupt} ({type(exc).__name__}): đây không phải tệp do lệnh backup tạo ra, hoặc "
            "tệp đã bị cắt cụt khi sao chép. Dữ liệu hiện tại chưa bị thay đổi."
        ) from exc
    try:
        manifest = json.loads((work / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{corrupt}: thiếu hoặc hỏng {MANIFEST}.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Tệp {path.name} không phải bản sao lưu của parindex.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"Bản sao lưu định dạng phiên bản {manifest.get('version')}, phiên bản parindex này "
            f"chỉ đọc được phiên bản {VERSION}: hãy khôi phục bằng phiên bản parindex đã tạo ra nó."
        )
    vendor = connection.vendor
    if manifest.get("vendor") != vendor:
        raise BackupError(
            f"Bản sao lưu là của cơ sở dữ liệu {manifest.get('vendor')}, còn hệ thống đang dùng "
            f"{vendor}: không khôi phục chéo được. Hãy đặt DATABASE_URL đúng loại cơ sở dữ liệu."
        )
    files = manifest.get("files")
    database = SQLITE_MEMBER if vendor == "sqlite" else PG_MEMBER
    if not isinstance(files, dict) or database not in files:
        raise BackupError(f"{corrupt}: không có dữ liệu cơ sở dữ liệu ({database}).")
    for name, digest in files.items():
        member = work / name
        if not _safe_name(name) or not member.is_file() or _sha256(member) != digest:
            raise BackupError(f"{corrupt}: “{name}” thiếu hoặc sai mã kiểm tra (SHA-256).")
    _check_migrations(manifest.get("migrations") or {})
    if vendor == "postgresql":
        _check_pg_dump(work / PG_MEMBER, manifest)
    else:
        _check_sqlite(work / SQLITE_MEMBER)
    return manifest


def _safe_name(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def _check_migrations(saved: dict) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}"
        for app, names in saved.items()
        for name in names
        if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            "Bản sao lưu được tạo bởi phiên bản parindex mới hơn (có các migration phiên bản này "
            f"không biết: {', '.join(unknown[:5])}): hãy cập nhật parindex trước khi khôi phục."
        )


def _check_sqlite(database: Path) -> None:
    try:
        check = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()
        finally:
            check.close()
    except sqlite3.Error as exc:
        raise BackupError(f"Tệp cơ sở dữ liệu trong bản sao lưu bị hỏng ({exc}).") from exc
    if result is None or result[0] != "ok":
        raise BackupError(f"Tệp cơ sở dữ liệu trong bản sao lưu bị hỏng ({result}).")


def _check_pg_dump(dump: Path, manifest: dict) -> None:
    pg_restore = _pg_tool("pg_restore")
    _pg_tool("psql")
    tool, made_by = _tool_major(pg_restore), manifest.get("pg_dump")
    if isinstance(made_by, int) and tool < made_by:
        raise BackupError(
            f"Bản sao lưu được tạo bằng pg_dump {made_by}, còn pg_restore ở đây là phiên bản {tool}: "
            f"hãy cài postgresql-client-{made_by} (hoặc mới hơn) rồi khôi phục lại."
        )
    _run([pg_restore, "--list", str(dump)], os.environ.copy(), "Kiểm tra bản sao lưu (pg_restore)")


def backup_restore(*, path: Path, confirm: Callable[[dict], bool] = lambda manifest: True):
    """Replace the database and MEDIA_ROOT with an archive's, after checking all of it.

    `confirm(manifest)` is asked once the archive is known good; False cancels (returns None).
    """
    with tempfile.TemporaryDirectory(prefix="parindex-restore-") as work:
        work = Path(work)
        manifest = backup_read(path=path, work=work)
        if not confirm(manifest):
            return None
        if connection.vendor == "sqlite":
            _sqlite_copy_in(work / SQLITE_MEMBER)
        else:
            _pg_restore(work / PG_MEMBER)
        media_files = _media_swap(work / MEDIA_PREFIX.rstrip("/"))
    # An archive older than the code: bring its schema up to date.
    call_command("migrate", interactive=False, verbosity=0)
    return Summary(Path(path), connection.vendor, table_counts(), media_files)


def _sqlite_copy_in(source: Path) -> None:
    connection.close()
    connection.ensure_connection()
    origin = sqlite3.connect(source)
    try:
        # One step: the destination is replaced page by page inside one write transaction.
        origin.backup(connection.connection)
    finally:
        origin.close()
    connection.close()


def _pg_restore(dump: Path) -> None:
    """Replace the public schema with the dump's, all in one transaction: on any error the
    database is left exactly as it was. The dump is turned into SQL first, so a dump that
    fails half-way never reaches the database."""
    args, env = _pg_connection_args()
    name = settings.DATABASES["default"]["NAME"]
    script = dump.with_suffix(".sql")
    _run(
        [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--no-comments"]
        + ["--file", str(script), str(dump)],
        env,
        "Đọc bản sao lưu (pg_restore)",
    )
    connection.close()
    _run(
        [_pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", *args]
        + ["--set", "ON_ERROR_STOP=1", "--dbname", name]
        + ["--command", "DROP SCHEMA public CASCADE", "--command", "CREATE SCHEMA public"]
        + ["--file", str(script)],
        env,
        "Khôi phục cơ sở dữ liệu (psql)",
    )


def _media_swap(restored: Path) -> int:
    """Make MEDIA_ROOT hold exactly the archive's files (it may be a mount point, so its
    contents are replaced rather than the directory itself)."""
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    for child in media_root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if restored.is_dir():
        shutil.copytree(restored, media_root, dirs_exist_ok=True)
    return sum(1 for p in media_root.rglob("*") if p.is_file())
