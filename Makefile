# make run | make test | make bench — each creates .venv on first use.
VENV := .venv
PY := $(VENV)/bin/python
ODCSIM := $(VENV)/bin/odcsim
STAMP := $(VENV)/.installed
PYTHON ?= python3
# the npm package cesium: odcsim view's offline globe (sim/analysis/globe.py CESIUM_VERSION)
CESIUM := 1.145.0

.PHONY: run test bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	-npm install --no-audit --no-fund --loglevel=error --prefix $(VENV)/share/odcsim/cesium cesium@$(CESIUM) \
	  || echo "warning: no npm: odcsim view needs CesiumJS (see README)"
	touch $(STAMP)

run: $(STAMP)
	$(ODCSIM) run configs/quickstart.yaml -o results/quickstart.h5 --overwrite
	$(ODCSIM) report results/quickstart.h5 -o results/quickstart
	rm -rf results/quickstart_campaign
	$(ODCSIM) campaign configs/quickstart_campaign.yaml -o results/quickstart_campaign
	$(ODCSIM) report results/quickstart_campaign -o results/quickstart_campaign/report

test: $(STAMP)
	$(PY) -m ruff check sim tests benchmarks
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(PY) -m pytest benchmarks -q -s -o python_files='bench_*.py' --benchmark-columns=min,mean,rounds

# the documentation site in site/ (strict: a broken link or reference fails), the example
# notebooks executed on their shortened runs so they render with their outputs
docs: $(STAMP)
	ODCSIM_NOTEBOOK_FAST=1 ODCSIM_NOTEBOOK_OUT=$$(mktemp -d) $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks site .cache
