# The two commands a new user runs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# The browser tests (tests/browser) drive Debian's Chromium through Playwright.
CHROMIUM := /usr/bin/chromium

# Chart.js draws the dashboard's charts; taken from the npm registry, served from static/.
# Its source map comes along: the script names it, and collectstatic's hashed names need it.
CHARTJS_VERSION := 4.6.1
CHARTJS := static/vendor/chart.umd.min.js
CHARTJS_MAP := static/vendor/chart.umd.min.js.map

# axe-core checks every page the browser tests visit for accessibility violations; from the npm
# registry like chart.js, for the tests only (never served).
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe.min.js

# Our Vietnamese for the admin and the third-party apps (locale/, see LOCALE_PATHS): compiled
# with polib by a management command, so GNU gettext's msgfmt is not needed.
LOCALE_PO := $(wildcard locale/*/LC_MESSAGES/*.po)
LOCALE_MO := $(LOCALE_PO:.po=.mo)

.PHONY: run test setup chromium lint format

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("parindex cần Python 3.11 trở lên (needs Python 3.11+)") if sys.version_info < (3, 11) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

$(CHARTJS) $(CHARTJS_MAP) &:
	@mkdir -p static/vendor
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent chart.js@$(CHARTJS_VERSION) >/dev/null \
	  && tar xzf chart.js-$(CHARTJS_VERSION).tgz && cp package/dist/chart.umd.min.js $(CURDIR)/$(CHARTJS) \
	  && cp package/dist/chart.umd.min.js.map $(CURDIR)/$(CHARTJS_MAP) \
	  && cp package/LICENSE.md $(CURDIR)/static/vendor/chart.js-LICENSE.md; status=$$?; rm -rf $$tmp; \
	  test $$status = 0 || { echo "parindex: không tải được chart.js từ npm (npm pack chart.js@$(CHARTJS_VERSION) failed)" >&2; exit 1; }

$(AXE):
	@mkdir -p $(dir $(AXE))
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar xzf axe-core-$(AXE_VERSION).tgz && cp package/axe.min.js $(CURDIR)/$(AXE) \
	  && cp package/LICENSE $(CURDIR)/$(dir $(AXE))axe-core-LICENSE; status=$$?; rm -rf $$tmp; \
	  test $$status = 0 || { echo "parindex: không tải được axe-core từ npm (npm pack axe-core@$(AXE_VERSION) failed)" >&2; exit 1; }

$(LOCALE_MO) &: $(LOCALE_PO) $(STAMP)
	$(PY) manage.py compile_translations

setup: $(STAMP) $(CHARTJS) $(CHARTJS_MAP) $(LOCALE_MO)

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference
	@echo "Tài khoản demo (demo accounts):"
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Mở http://127.0.0.1:8000/accounts/login/ và đăng nhập bằng một tài khoản ở trên (mật khẩu demo12345)."
	@echo "Quản trị: http://127.0.0.1:8000/admin/ (tài khoản admin)."
	@# The worker of django-tasks-db builds the reports and exports and sends the period
	@# reminders; it runs beside runserver (at nice 10, no autoreload: restart `make run` after
	@# changing a task) and stops with it. Housekeeping first: jobs a killed worker left running.
	$(PY) manage.py file_jobs_housekeeping
	@nice -n 10 $(PY) manage.py db_worker --no-reload --interval 0.2 & jobs=$$!; trap 'kill $$jobs 2>/dev/null; wait $$jobs' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:8000

# Debian's Chromium, for the browser tests; installed once with apt-get (as root, else via sudo).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Cài Chromium cho kiểm thử trình duyệt (installing Debian's chromium for the browser tests)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "parindex: cần quyền root để cài Chromium (needs root or sudo): apt-get install chromium" >&2; exit 1; fi; \
	  $$SUDO sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null' \
	    || { echo "parindex: không cài được Chromium (apt-get install chromium failed); the browser tests need $(CHROMIUM)" >&2; exit 1; }; \
	fi
	@test -x $(CHROMIUM) || { echo "parindex: không thấy $(CHROMIUM) sau khi cài (chromium installed but $(CHROMIUM) is missing)" >&2; exit 1; }

# The suite on one process per core, at most 4 (`make test TEST_WORKERS=1` for one process):
# pytest-xdist, each worker with its own test database. `--dist loadgroup` hands the tests out
# one by one in pytest-django's order (database tests, then transactional ones, which flush the
# database, then the rest; not by group size: --no-loadscope-reorder), keeping each `xdist_group`
# on one worker (see README).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)

test: setup chromium $(AXE)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
