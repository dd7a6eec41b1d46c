# cxlens: `make demo` sets everything up and runs the demo; `make test` sets everything up and runs all checks.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-workspace

.PHONY: setup system-deps demo test lint format bench clean i18n-extract i18n-update i18n-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@

system-deps:
	@bash scripts/system-deps.sh

setup: system-deps $(VENV)/.installed i18n-compile

# -- translations: gettext catalogs kept with Babel (see "Languages and translations" in the README)
LOCALE   := src/cxlens/i18n/locale
POT      := $(LOCALE)/cxlens.pot
CATALOGS := $(wildcard $(LOCALE)/*/LC_MESSAGES/cxlens.po)
PYBABEL  := $(BIN)/pybabel

# the English texts of the code and templates -> cxlens.pot
i18n-extract:
	$(PYBABEL) --quiet extract -F babel.cfg -k NP_:1c,2 -c "Translators:" --add-location=file \
		--sort-output --width=100 --project=cxlens --copyright-holder="the cxlens authors" \
		-o $(POT) src/cxlens

# cxlens.pot -> every language's cxlens.po (new texts empty, changed ones fuzzy)
i18n-update: i18n-extract
	$(PYBABEL) --quiet update -i $(POT) -d $(LOCALE) -D cxlens --ignore-obsolete --width=100

# every cxlens.po -> cxlens.mo (what the package reads first)
i18n-compile: $(CATALOGS:.po=.mo)

$(LOCALE)/%/LC_MESSAGES/cxlens.mo: $(LOCALE)/%/LC_MESSAGES/cxlens.po | $(VENV)/.installed
	$(PYBABEL) --quiet compile -D cxlens -d $(LOCALE) -l $* --statistics

demo: setup
	$(BIN)/cxlens demo $(DEMO) --force
	$(BIN)/cxlens text analyse --workspace $(DEMO)
	$(BIN)/cxlens tables --workspace $(DEMO)
	$(BIN)/cxlens serve --workspace $(DEMO)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: setup lint
	@bash scripts/system-deps.sh --strict
	$(BIN)/pytest

bench: setup
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f --scale 0.1 || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(DEMO)
