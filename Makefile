# Two commands do everything on a fresh machine (Python 3.11):
#   make app    install into .venv (and the FreeDict dictionaries that gloss non-English lyrics), build the
#               built-in synthetic set and its features if missing, start the app
#   make test   install what the tests need (pip packages, Debian chromium, the dictionaries, Apertium's pivot pairs)
#               and run the whole suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# FreeDict dictionaries (Debian) for glossing German, Spanish, French, Portuguese, Italian lyrics into English
DICTS  := $(foreach l,deu spa fra por ita,dict-freedict-$(l)-eng dict-freedict-eng-$(l))
# Apertium's Spanish-English pair, for the opt-in machine-translation gloss of Spanish lyrics (--gloss-engine apertium)
DICTS  += apertium-eng-spa
# Apertium's pivot pairs for French (into Spanish) and Portuguese (into Catalan, then Catalan-English): 45 MB
# installed with their dependencies (cg3, apertium-anaphora, apertium-separable). The engine uses them only with
# WORKBENCH_APERTIUM_CHAINS (they did worse than the dictionary gloss: README "A fourth attempt"), so only the
# tests install them.
TEST_DICTS := apertium-fr-es apertium-por-cat apertium-eng-cat

.PHONY: app test install install-test prepare bench dictionaries test-dictionaries

$(VENV)/.stamp-install: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet torch==2.13.0      # CPU wheel first; an unpinned torch pulls CUDA
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-install requirements-test.txt
	$(VENV)/bin/pip install --quiet -r requirements-test.txt
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	touch $@

# checked on every run (dpkg -s, ~50 ms), so a machine installed before the dictionaries were needed gets them too
dictionaries:
	@dpkg -s $(DICTS) >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $(DICTS) >/dev/null; } \
	  || echo 'warning: could not install the FreeDict dictionaries and Apertium; lyrics in German, Spanish,' \
	          'French, Portuguese and Italian are embedded untranslated until they are installed' \
	          '(as root: make dictionaries)'

test-dictionaries: dictionaries
	@dpkg -s $(TEST_DICTS) >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $(TEST_DICTS) >/dev/null; } \
	  || echo 'warning: could not install the Apertium pivot pairs; their tests are skipped (as root: make test-dictionaries)'

install: $(VENV)/.stamp-install dictionaries
install-test: $(VENV)/.stamp-test dictionaries test-dictionaries

prepare: install
	$(PY) -m core prepare

app: prepare
	@echo "The app: http://localhost:$(PORT) (from another machine: http://<this machine's address>:$(PORT))"
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

# Two pytest-xdist workers, a test file to each at a time (--dist loadfile: a file's module-scoped fixtures are
# built once). One process left a core idle while tests waited on servers and the browser: 1.4-1.5x faster here.
test: install-test
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: install
	$(PY) bench/extract.py
