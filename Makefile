# collabsim — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.12
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install assets chromium demo test lint bench docs archive clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.12 (pyenv: 'pyenv install 3.12')"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): $(VENV)/bin/python pyproject.toml constraints.txt
	$(PY) -m pip install -q -c constraints.txt -e ".[test]"
	$(PY) -m collabsim.model.precompile
	touch $(STAMP)

install: $(STAMP) assets

# The classroom app's front-end assets, from the npm registry into Solara's cache (offline use);
# idempotent: a filled cache is only checked. Needs npm (installed from Debian when root).
assets: $(STAMP)
	@$(PY) -m collabsim.apps.classroom_assets --check >/dev/null 2>&1 || { \
	  command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = "0" ] && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; } ; \
	  $(PY) -m collabsim.apps.classroom_assets; }

# Debian's Chromium for the browser test (never a downloaded browser build). Without root and
# without it, the browser test skips and says why.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else \
	    echo "note: /usr/bin/chromium is missing and this is not root: the browser test will be skipped (apt-get install chromium)"; \
	  fi; \
	fi

demo: $(STAMP)
	$(VENV)/bin/collabsim run scenarios/baseline.toml --replicates 30 --seed 1

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Compile the model's kernels into numba's cache first (about a second when already cached), so
# that no test, and no first click in the app, waits for the compiler.
test: lint chromium
	$(PY) -m collabsim.model.precompile
	$(VENV)/bin/pytest -q

# The documentation site (mkdocs.yml) into site/, strictly: a broken link, a missing anchor or an
# API reference that does not resolve fails the build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

bench: install
	$(PY) benchmarks/bench_model.py

# The model as a CoMSES Net model-library archive (code/, docs/ with the ODD, data/, results/, the
# pinned environment, a README for running it): results/collabsim-<version>-model-archive.zip.
archive:
	$(PYTHON) tools/model_archive.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site
