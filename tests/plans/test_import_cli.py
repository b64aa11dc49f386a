"""`manage.py import_annex` as a script sees it: with --json, stdout is one JSON document and
nothing else, whatever the file or the command line; exit 1 for a refused file, 2 for a wrong
command line, never a traceback for either.

Most cases go through call_command with stdout and stderr buffers of their own (one Django
start-up for all); a few run the real `python manage.py` to check what reaches the terminal
streams (the log lines and library warnings a broken file causes go to stderr).
"""

import io
import json
import os
import random
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.plans import fuzz

pytestmark = pytest.mark.django_db

PROVINCE = ["--province", "Bắc Kạn"]
# Families whose files can never be read: each case must be refused.
UNREADABLE = {fuzz.truncated_zip, fuzz.random_bytes, fuzz.xls_garbage, fuzz.zip_bomb}


def run(*args) -> tuple[int, str, str]:
    """call_command: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_annex", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def bad_files():
    """A few cases of every generated family and of every mutation of the real files."""
    for index, family in enumerate(fuzz.FAMILIES):
        if family is fuzz.million_empty_rows:
            continue  # reads fine, and costs seconds (tests/plans/test_import_fuzz.py)
        for seed in range(3):
            name, data = family(random.Random(100 * index + seed))
            yield f"{family.__name__} seed={seed}", name, data, family in UNREADABLE
    for source in sorted(fuzz.REAL_FILES):
        for kind in ("flip", "cut", "part_cut", "drop_part"):
            data = fuzz.mutate(source, kind, random.Random(7))
            yield f"{source} {kind}", source, data, False


def test_every_fuzz_file_gives_one_json_document_on_stdout(tmp_path, bac_kan):
    refused = 0
    for label, name, data, unreadable in bad_files():
        path = tmp_path / name
        path.write_bytes(data)
        code, out, err = run(str(path), *PROVINCE, "--year", "2022", "--dry-run", "--json")
        document = json.loads(out)  # the whole of stdout: nothing before or after
        assert err == "", label
        assert code == (1 if document["errors"] else 0), (label, document["errors"])
        if unreadable:
            assert document["errors"], label
        for message in document["errors"]:
            assert fuzz_message_is_vietnamese(message), (label, message)
        refused += bool(document["errors"])
    assert refused >= 12


def fuzz_message_is_vietnamese(message: str) -> bool:
    return (
        isinstance(message, str)
        and "Traceback" not in message
        and any(ch in message for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["phu-luc.xlsx", "--json"], "Thiếu --province"),
        ([*PROVINCE, "--json"], "Thiếu tệp phụ lục"),
        (["phu-luc.xlsx", *PROVINCE, "--plan-date", "2023-13-45", "--json"], "“2023-13-45”"),
        (["phu-luc.xlsx", *PROVINCE, "--year", "abc", "--json"], "Năm “abc” không hợp lệ"),
        (["phu-luc.xlsx", *PROVINCE, "--year", "99999", "--json"], "từ 2000 đến 2100"),
        (["phu-luc.xlsx", *PROVINCE, "--plan-title", "x" * 1001, "--json"], "1000 ký tự"),
    ],
)
def test_a_wrong_argument_is_a_json_error_with_exit_code_2(args, message):
    code, out, err = run(*args)
    document = json.loads(out)
    assert code == 2 and err == ""
    [error] = document["errors"]
    assert message in error


def test_without_json_a_wrong_argument_is_one_vietnamese_line_on_stderr():
    code, out, err = run("phu-luc.xlsx", "--plan-date", "31/12/2023")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "Lỗi: Thiếu --province: ghi tên, mã hoặc slug của tỉnh.",
        "Lỗi: Ngày ban hành “31/12/2023” không hợp lệ: dùng dạng YYYY-MM-DD.",
    ]


def test_an_unknown_option_from_python_is_a_command_error():
    with pytest.raises(CommandError, match="--bogus"):
        call_command("import_annex", "phu-luc.xlsx", *PROVINCE, "--bogus")


def test_a_bug_in_the_import_still_gives_one_json_document(tmp_path, bac_kan, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("plans.management.commands.import_annex.annex_import", broken)
    path = tmp_path / "phu-luc.xlsx"
    path.write_bytes(fuzz.real_bytes("kh2022.xlsx"))
    code, out, err = run(str(path), *PROVINCE, "--json")
    [error] = json.loads(out)["errors"]
    assert code == 1 and err == ""
    assert (
        error
        == "Không nhập được tệp “phu-luc.xlsx” do lỗi của chương trình (chi tiết trong nhật ký)."
    )
    assert "RuntimeError: a bug" in caplog.text  # the traceback is in the log


# --- the real command line ------------------------------------------------------------------


@pytest.fixture
def command_env(tmp_path, bac_kan):
    """The environment for `python manage.py`, on a database holding the test run's reference
    data: a copy of the SQLite test database, or the PostgreSQL test database itself (its
    reference data is committed at session start; these commands write nothing)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    if connection.vendor == "sqlite":
        copy = tmp_path / "copy.sqlite3"
        target = sqlite3.connect(copy)
        connection.connection.backup(target)
        target.close()
        env["SQLITE_PATH"] = str(copy)
    else:
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "import_annex", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_corrupt_file_on_the_command_line_logs_to_stderr_only(command_env, tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(fuzz.real_bytes("kh2022.xlsx")[:5000])
    done = manage(command_env, str(path), *PROVINCE, "--year", "2022", "--dry-run", "--json")
    document = json.loads(done.stdout)
    assert done.returncode == 1
    assert "bị hỏng" in document["errors"][0]
    # The reader's warning, with its traceback, is in the log on stderr.
    assert "WARNING plans.importing.workbook Unreadable workbook" in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--plan-date", "2023-13-45", "--json"], "“2023-13-45” không hợp lệ"),
        # argparse's own errors: its words, inside a Vietnamese sentence.
        (["--year", "--json"], "Dòng lệnh không đúng (argument --year: expected one argument)"),
        (["--bogus", "--json"], "Dòng lệnh không đúng (unrecognized arguments: --bogus)"),
    ],
)
def test_a_wrong_command_line_is_a_json_error_with_exit_code_2(command_env, args, message):
    done = manage(command_env, "phu-luc.xlsx", *PROVINCE, *args)
    assert done.returncode == 2, done.stderr
    [error] = json.loads(done.stdout)["errors"]
    assert message in error
    assert "Traceback" not in done.stderr


def test_without_json_the_command_line_says_what_is_missing_in_vietnamese(command_env):
    done = manage(command_env, "phu-luc.xlsx")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "Lỗi: Thiếu --province: ghi tên, mã hoặc slug của tỉnh.\n"
