"""`manage.py backup` and `manage.py restore`, run as an operator runs them.

The commands replace a whole database, which cannot happen inside pytest-django's test
transaction, so each test runs them in subprocesses against a scratch database of the vendor the
suite runs on: a SQLite file in tmp_path, or (when DATABASE_URL is PostgreSQL) a database of
its own on the same server, created and dropped here. MEDIA_ROOT is a directory in tmp_path.
"""

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

BUILD = """
import datetime, hashlib
from django.core.files.base import ContentFile
from agencies.models import Agency, Province
from plans.models import Assignment, Evidence, Plan, ProgressUpdate, Section, Task

province = Province.objects.create(slug="06-bac-kan", code="06", name="Bắc Kạn")
agency = Agency.objects.create(province=province, name="Sở Tư pháp", kind="department")
plan = Plan.objects.create(province=province, number="22/KH-UBND", year=2022, title="PAPI")
section = Section.objects.create(plan=plan, number="I", title="Công khai, minh bạch", position=0)
for i in range(3):
    task = Task.objects.create(
        plan=plan, section=section, number=str(i + 1), position=i,
        description=f"Nhiệm vụ {i + 1}", deadline_kind="ongoing",
    )
assignment = Assignment.objects.create(
    task=task, agency=agency, role="lead", status="done", completed_on=datetime.date(2022, 9, 1)
)
update = ProgressUpdate.objects.create(assignment=assignment, status="done", note="Đã xong")
for name, data in [("bao-cao.pdf", b"%PDF-1.4 bao cao"), ("anh.png", bytes(range(256)) * 400)]:
    item = Evidence(
        update=update, original_name=name, content_type="application/octet-stream",
        size=len(data), sha256=hashlib.sha256(data).hexdigest(),
    )
    item.file.save(name, ContentFile(data), save=True)
"""

STATE = """
import hashlib, json
from pathlib import Path
from django.conf import settings
from plans.models import Assignment, Evidence, Plan, ProgressUpdate, Task

media = Path(settings.MEDIA_ROOT)
print(json.dumps({
    "plans": list(Plan.objects.order_by("pk").values_list("pk", "number", "year", "title")),
    "tasks": list(Task.objects.order_by("pk").values_list("pk", "plan_id", "number", "description")),
    "assignments": list(
        Assignment.objects.order_by("pk").values_list("pk", "task_id", "agency__name", "status")
    ),
    "updates": list(ProgressUpdate.objects.order_by("pk").values_list("pk", "status", "note")),
    "evidence": [
        [e.pk, e.original_name, e.sha256, hashlib.sha256(e.file.read()).hexdigest()]
        for e in Evidence.objects.order_by("pk")
    ],
    "media": sorted(
        [p.relative_to(media).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()]
        for p in media.rglob("*") if p.is_file()
    ),
}, ensure_ascii=False))
"""

MODIFY = """
from pathlib import Path
from django.conf import settings
from plans.models import Evidence, Plan, Task

Task.objects.update(description="đã sửa nhầm")
evidence = Evidence.objects.order_by("pk").first()
evidence.file.delete(save=False)
evidence.delete()
plan = Plan.objects.get()
Plan.objects.create(province=plan.province, number="99/KH-UBND", year=2025)
(Path(settings.MEDIA_ROOT) / "stray.txt").write_text("không có trong bản sao lưu")
"""


@pytest.fixture
def scratch(tmp_path):
    """Environment for manage.py against a scratch database of the suite's vendor."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(MEDIA_ROOT=str(tmp_path / "media"), DEBUG="1", PYTHONPATH=str(ROOT))
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        env["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
        yield env
        return
    import psycopg2

    name = f"test_{db['NAME']}_backup"
    admin = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    admin.autocommit = True

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    env["DATABASE_URL"] = (
        f"postgres://{auth}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{name}"
    )
    try:
        yield env
    finally:
        drop()
        admin.close()


def manage(env, *args, stdin: str | None = None, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def state(env) -> dict:
    return json.loads(manage(env, "shell", "-v", "0", "-c", STATE).stdout)


def rewrite_manifest(source: Path, target: Path, edit) -> None:
    """A copy of the archive with its manifest passed through edit()."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                edit(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))


def test_restore_brings_back_plans_tasks_updates_and_evidence_files(scratch, tmp_path):
    manage(scratch, "migrate", "--noinput", "-v", "0")
    manage(scratch, "shell", "-v", "0", "-c", BUILD)
    original = state(scratch)
    assert len(original["tasks"]) == 3 and len(original["evidence"]) == 2
    assert len(original["media"]) == 2  # the two evidence files, on disk

    archive = tmp_path / "backups" / "parindex.tar.gz"
    archive.parent.mkdir()
    made = manage(scratch, "backup", str(archive))
    assert "Đã sao lưu" in made.stdout and "plans.Task: 3" in made.stdout
    with tarfile.open(archive, "r:gz") as opened:
        names = set(opened.getnames())
        manifest = json.loads(opened.extractfile("manifest.json").read())
    assert {"manifest.json", *(f"media/{name}" for name, _ in original["media"])} <= names
    assert manifest["vendor"] == ("sqlite" if "SQLITE_PATH" in scratch else "postgresql")
    assert manifest["counts"]["plans.Evidence"] == 2
    assert "0003_reporting_period" in manifest["migrations"]["plans"]

    manage(scratch, "shell", "-v", "0", "-c", MODIFY)
    modified = state(scratch)
    assert modified != original and len(modified["plans"]) == 2

    # Refusals first: each leaves the modified data exactly as it is.
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused = manage(scratch, "restore", str(cut), "--noinput", check=False)
    assert refused.returncode != 0 and "bị hỏng hoặc không đầy đủ" in refused.stderr

    other_vendor = tmp_path / "other.tar.gz"
    rewrite_manifest(archive, other_vendor, lambda m: m.update(vendor="mysql"))
    refused = manage(scratch, "restore", str(other_vendor), "--noinput", check=False)
    assert refused.returncode != 0 and "không khôi phục chéo được" in refused.stderr

    newer = tmp_path / "newer.tar.gz"
    rewrite_manifest(archive, newer, lambda m: m["migrations"]["plans"].append("0999_future"))
    refused = manage(scratch, "restore", str(newer), "--noinput", check=False)
    assert refused.returncode != 0 and "phiên bản parindex mới hơn" in refused.stderr

    cancelled = manage(scratch, "restore", str(archive), stdin="no\n", check=False)
    assert cancelled.returncode != 0 and "Đã huỷ" in cancelled.stderr
    assert "Gõ 'yes' để tiếp tục" in cancelled.stdout
    no_terminal = manage(scratch, "restore", str(archive), check=False)  # stdin at its end
    assert no_terminal.returncode != 0 and "Đã huỷ" in no_terminal.stderr
    assert state(scratch) == modified

    restored = manage(scratch, "restore", str(archive), "--noinput")
    assert "Đã khôi phục" in restored.stdout
    assert state(scratch) == original  # same rows, same evidence bytes, no stray file


def test_backup_into_a_directory_names_the_file_by_date(scratch, tmp_path):
    manage(scratch, "migrate", "--noinput", "-v", "0")
    made = manage(scratch, "backup", str(tmp_path))
    [archive] = tmp_path.glob("parindex-backup-*.tar.gz")
    assert str(archive) in made.stdout
    missing = manage(
        scratch, "backup", str(tmp_path / "no" / "such" / "dir" / "b.tar.gz"), check=False
    )
    assert missing.returncode != 0 and "không tồn tại" in missing.stderr


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), reason="PostgreSQL tools only"
)
def test_postgresql_tools_missing_or_too_old_are_named(scratch, tmp_path):
    manage(scratch, "migrate", "--noinput", "-v", "0")
    # pg_dump older than the server: a real script on PATH answering like pg_dump 9.6 would.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    (fake / "pg_dump").chmod(0o755)
    old = {**scratch, "PATH": f"{fake}:{scratch['PATH']}"}
    refused = manage(old, "backup", str(tmp_path / "b.tar.gz"), check=False)
    assert (
        refused.returncode != 0
        and "pg_dump phiên bản 9 cũ hơn máy chủ PostgreSQL" in refused.stderr
    )
    # No PostgreSQL client at all.
    bare = {**scratch, "PATH": str(Path(sys.executable).parent)}
    refused = manage(bare, "backup", str(tmp_path / "b.tar.gz"), check=False)
    assert refused.returncode != 0 and "Không tìm thấy chương trình pg_dump" in refused.stderr
    assert not (tmp_path / "b.tar.gz").exists()
