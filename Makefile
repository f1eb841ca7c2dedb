# Kubeprep: `make run` serves the app on http://127.0.0.1:8000, `make test` runs every check.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: install run demo-fixture test lint format check-content clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The demo users and fixtures/demo.json (a team, its assessments, a learner's 60 days of reviews)
# are loaded only when DEBUG is on (development), once: later runs leave them as they are.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadbanks content
	$(PY) manage.py create_demo_users
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Rebuild fixtures/demo.json after a change to the models or the banks (needs `loadbanks` first).
demo-fixture: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadbanks content
	$(PY) manage.py build_demo_fixture

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-content: install
	$(PY) manage.py loadbanks --check content

test: install lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache mutants

# Mutation testing of the core modules (mutmut; about two hours on 2 cores, never in CI): writes
# bench/MUTATION.md with the time each module took. MUTATE_ARGS is passed to
# bench/mutation_run.py, e.g. MUTATE_ARGS="--module banks/grading --keep --survivors" after
# adding tests (only the mutants that survived last time).
.PHONY: mutate
mutate: install
	$(PY) -m pip install --quiet -e '.[dev,mutate]'
	$(PY) bench/mutation_run.py $(MUTATE_ARGS)
	$(PY) bench/mutation_report.py

# Benchmarks on this machine (PostgreSQL on 127.0.0.1), never timed assertions in tests; each
# writes its summary under bench/, then bench/REPORT.md gathers them (about 30 minutes in all).
# BENCH_ARGS is passed to the study-at-scale run, e.g. BENCH_ARGS="--sizes 1k,100k".
.PHONY: bench
bench: install
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/study_scale.py $(BENCH_ARGS)
	$(PY) bench/content_load.py
	$(PY) bench/readiness.py --database-url postgres://postgres@127.0.0.1:5432/kubeprep_readiness_bench
	$(PY) bench/load.py --think-time 2
	$(PY) bench/load.py
	$(PY) bench/faults.py
	$(PY) bench/review_loop.py
	$(PY) bench/hostile.py
	$(PY) bench/markdown_worst.py
	$(PY) bench/report.py
