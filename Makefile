# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA_DIR ?= data
STAMP  := $(VENV)/.installed
MO     := search_app/translations/fr/LC_MESSAGES/messages.mo
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run index models lint test test-fast bench samples clean translations screenshots

install: $(STAMP) $(MO)

# torch first, pinned to the CPU wheel: anything else lets pip pull a CUDA build.
# openai-whisper with --no-deps: its metadata asks for triton (GPU only, 1 GB).
$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[openai,dev]'
	$(BIN)/pip install -q --no-deps openai-whisper==20250625
	# resemblyzer's metadata pulls webrtcvad, whose module imports pkg_resources (gone from
	# recent setuptools): the prebuilt webrtcvad-wheels' module of the same name goes last.
	$(BIN)/pip install -q --force-reinstall --no-deps webrtcvad-wheels==2.0.14
	touch $(STAMP)

# French UI strings, compiled from the tracked .po file.
$(MO): search_app/translations/fr/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -d search_app/translations

models: install
	$(BIN)/speechsearch --data-dir $(DATA_DIR) models

# An index made by an older version is rebuilt from the transcripts first (`index` does it).
index: models
	$(BIN)/speechsearch --data-dir $(DATA_DIR) index $(DATA_DIR)/samples

# Indexes the samples (already indexed files are skipped), then serves the site.
run: index
	$(BIN)/speechsearch --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT)

# Lint and the layers' import contracts first (seconds), then the suite (minutes).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not corpus"

bench: install
	$(BIN)/python -m bench

# PNGs of every main page, both languages, desktop and phone (needs Debian's chromium).
screenshots: index
	$(BIN)/python scripts/screenshots.py --data-dir $(DATA_DIR)

# Regenerates data/samples and tests/fixtures (needs Debian's espeak-ng).
samples: install
	$(BIN)/python scripts/make_media.py

# After changing UI strings: refresh the template, merge it into each .po (the source of the
# translations: a new string arrives empty, never fuzzy-guessed, a removed one is dropped), compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --project speechsearch -w 100 \
		-o search_app/translations/messages.pot search_app
	$(BIN)/pybabel update -i search_app/translations/messages.pot -d search_app/translations \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date -w 100
	$(BIN)/pybabel compile --statistics -d search_app/translations

clean:
	rm -rf $(DATA_DIR)/index $(DATA_DIR)/transcripts
