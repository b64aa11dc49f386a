# The two commands a new user runs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: run test setup lint format

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("parindex cần Python 3.11 trở lên (needs Python 3.11+)") if sys.version_info < (3, 11) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference
	@echo "Tài khoản demo (demo accounts):"
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Mở http://127.0.0.1:8000/accounts/login/ và đăng nhập bằng một tài khoản ở trên (mật khẩu demo12345)."
	@echo "Quản trị: http://127.0.0.1:8000/admin/ (tài khoản admin)."
	$(PY) manage.py runserver 127.0.0.1:8000

test: setup
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
