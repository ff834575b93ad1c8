# Two commands matter: `make run` and `make test`. Everything else is a step they share.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt build-constraints.txt | cksum | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed-$(shell cksum < package-lock.json | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# What a laptop needs; production sets these in its own environment.
LOCAL_ENV := DJANGO_DEBUG=true DJANGO_SECRET_KEY=local-development-only-not-secret \
	DJANGO_EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend

.PHONY: run test install migrate demo lint format bench clean

run: install
	$(LOCAL_ENV) $(PY) manage.py migrate --no-input
	$(LOCAL_ENV) $(PY) manage.py seed_demo
	$(LOCAL_ENV) $(PY) manage.py collectstatic --no-input -v0
	@echo ""
	@echo "Plumbline is starting at http://$(HOST):$(PORT)/"
	@echo "Demo logins (password: plumbline-demo): admin, manager, marketer, marketing_lead, rep, rep2, sales_lead"
	@echo ""
	@# The task worker (re-checks after a new plumb line) runs beside the server and stops with it.
	@$(LOCAL_ENV) $(PY) manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(LOCAL_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

install: $(STAMP) $(NODE_STAMP)

# The test-only tools (axe-core, the Nu HTML checker) from npm, pinned by package-lock.json.
# Without npm the app still runs; those tests then skip locally (CI installs npm).
$(NODE_STAMP): package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is missing: the accessibility and HTML tests will skip (apt-get install npm)"; fi

$(STAMP): requirements.txt build-constraints.txt
	@python=$$(bin/find-python) || exit 1; \
	if ! [ -x $(PY) ] || ! PYTHON=$(PY) bin/find-python >/dev/null 2>&1; then \
		echo "Creating $(VENV) with $$python"; rm -rf $(VENV); $$python -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check "pip>=25.3"
	$(PY) -m pip install --quiet --disable-pip-version-check \
		--build-constraint build-constraints.txt -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The checker and the dashboard run anywhere; bench/bench_recheck.py, bench/load.py and
# bench/page_cost.py need PostgreSQL and change or load it: see docs/performance.md.
bench: install
	@for script in bench/bench_consistency.py bench/bench_dashboard.py; do \
		echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
