# The course's commands. On a fresh clone `make lab` or `make test` creates .venv
# and installs everything on first use; nothing else is needed.
#
#   make lab         open the course in JupyterLab
#   make test        run every test: helpers, all notebooks, solutions, exercises, grader
#   make test-seeds  re-run the notebooks' claim checks under COURSE_SEED=1 and 2 (slow)
#   make test-full   run every lecture and solution under COURSE_PROFILE=full (slow)
#   make bench       measure every notebook against the budgets -> docs/benchmark.md
#   make exercises   regenerate exercises/ from solutions/
#   make tables      regenerate the exercise units' expected tables (coursework/*/tables.py)
#   make release RELEASE=dir  write the student release (no solutions, no hidden checks)
#   make site        the course as a static website in build/site/ (docs/site.md)
#   make handouts    the printable book: one PDF per lecture in handouts/, from the site
#   make slides NB=01  present a notebook as live slides (Voila, http://127.0.0.1:8866/)
#   make slides-pdf NB=01  the slides of a notebook as a PDF (build/slides/)
#   make lint        ruff
#   make wheelhouse  every wheel for an offline room, on a USB stick (docs/classroom.md)
#   make hub         serve the course to a room with JupyterHub, as root (docs/classroom.md)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_NB := --nbval-lax --nbval-current-env --nbval-cell-timeout=300

export TF_CPP_MIN_LOG_LEVEL := 2
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: lab test test-live test-fast test-seeds test-full test-browser bench exercises handouts lint clean install release wheelhouse hub hub-remove test-classroom slides site tables slides-pdf

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Jupyter refuses to run as root unless told (containers, lab machines run as root).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# the project's JupyterLab settings (instructor/jupyter-data/lab/settings/overrides.json): no news
# pop-up, no update check; the user's own settings still apply on top
LAB_FLAGS := --LabApp.app_settings_dir=$(CURDIR)/instructor/jupyter-data/lab/settings \
	--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) $(LAB_FLAGS) notebooks/00_start_here.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope $(PYTEST_NB)

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow and not browser and not classroom"

test-seeds: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist load -m slow --run-slow tests

test-full: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist load -m full --run-full tests

# the live slide deck (preheated kernel, culling, ten open/close cycles) on a quiet machine
test-live: $(STAMP)
	$(BIN)/python -m pytest -m live --run-live tests

test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser tests

bench: $(STAMP)
	$(BIN)/python -m instructor.bench --out docs/benchmark.md

exercises: $(STAMP)
	$(BIN)/python -m instructor.make_exercises solutions exercises

tables: $(STAMP)
	$(BIN)/python -m instructor.checks tables

release: $(STAMP)
	@test -n "$(RELEASE)" || { echo "usage: make release RELEASE=DIR (a new or empty directory)" >&2; exit 2; }
	$(BIN)/python -m instructor.release "$(RELEASE)" $(if $(FORCE),--force,)

# The website (docs/site.md): executed lectures from build/executed/ (written by make test; a
# stale one runs again, alone), KaTeX from npm (site/package-lock.json), Sphinx into build/site/.
KATEX := site/node_modules/katex/package.json
$(KATEX): site/package.json site/package-lock.json
	npm ci --prefix site --no-audit --no-fund
	touch $(KATEX)

site: $(STAMP) $(KATEX)
	$(BIN)/python -m instructor.site build build/site

# The book: each lecture page of the site printed to PDF by headless Chromium.
handouts: site
	$(BIN)/python -m instructor.site pdf build/site handouts

# Live slides of one lecture: NB=01 (or a path). The notebook runs first (about a minute), then
# the browser opens the slideshow; sliders work. SLIDES_PORT=8866 by default; Ctrl+C stops it.
SLIDES_PORT ?= 8866
slides: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make slides NB=01   (the number or path of a notebook)"; exit 2; }
	$(BIN)/python -m instructor.slides --serve "$(NB)" --port $(SLIDES_PORT) $(SLIDES_FLAGS)

# The slides of one lecture as a PDF (Chromium's print of the deck, one slide per page), from
# the executed copy in build/executed/ (no second run when make test made it): NB=01
slides-pdf: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make slides-pdf NB=01"; exit 2; }
	$(BIN)/python -m instructor.slides --pdf "$(NB)" $(if $(OUT),--out "$(OUT)",)

lint: $(STAMP)
	$(BIN)/ruff check helpers instructor tests coursework

clean:
	rm -rf $(VENV) handouts build site/node_modules .pytest_cache

# The lecture room and the classroom (docs/classroom.md).
# make wheelhouse WHEELHOUSE=/media/usb/wheelhouse PLATFORMS="linux macos windows" PYTHONS="3.11"
WHEELHOUSE ?= wheelhouse
PLATFORMS  ?= linux-x86_64 macos-arm64 windows-amd64
PYTHONS    ?= 3.10 3.11 3.12
wheelhouse: $(STAMP)
	$(BIN)/python -m instructor.wheelhouse --out $(WHEELHOUSE) --platform $(PLATFORMS) \
		--python $(PYTHONS)

# sudo make hub [HUB_CLASS=class.csv] [HUB_STUDENTS=30] [HUB_PORT=8000]; Ctrl-C stops it
HUB_CLASS    ?= class.csv
HUB_STUDENTS ?= 3
HUB_PORT     ?= 8000
hub: $(STAMP)
	$(BIN)/python -m instructor.hub start --class $(HUB_CLASS) --students $(HUB_STUDENTS) \
		--port $(HUB_PORT)

# the wheelhouse and hub tests alone (they are part of `make test` too; minutes, root, npm)
test-classroom: $(STAMP)
	$(BIN)/python -m pytest -m classroom tests

hub-remove: $(STAMP)
	$(BIN)/python -m instructor.hub remove --class $(HUB_CLASS)
