# tkj.mailserver: one entry point for development, tests and the lab.
#   make test     lint, unit tests, ansible-test sanity, every Molecule scenario, the README commands (CI)
#   make readme   run the README's command blocks as written (ansible-core 2.14 and 2.19, over SSH)
#   make lab      start the container lab (DNS, mail, client), apply playbooks/site.yml, report
#   make lab-down remove the lab's containers, network and port forwarder
#   make bench    converge/re-run times: the collection against builtin modules, 1 and 8 hosts (~15 min)
#   make bench-class  the class scale-out: 8, 16 and 32 hosts against 32 containers' apt-get (over an hour)
#   make load     1000 messages through the collection's servers and the yardstick's: msgs/s, ratio, memory
#   make galaxy   build the collection tarball, check it, install it to build/galaxy/collections
#   make changelog CHANGELOG.md from changelogs/ (records galaxy.yml's version as a release when new)
#   make image    build the local Debian 12/13 test images (skipped when present; REBUILD=1 forces)
#   make clean    remove what this Makefile made (venv, build/, test images, Molecule containers)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/build/collections
export ANSIBLE_FORCE_COLOR := false
export PY_COLORS := 0

IMAGE_DEBIAN12 ?= $(or $(TKJ_IMAGE_DEBIAN12),tkj-mailserver-debian:12)
IMAGE_DEBIAN13 ?= $(or $(TKJ_IMAGE_DEBIAN13),tkj-mailserver-debian:13)
export TKJ_IMAGE_DEBIAN12 := $(IMAGE_DEBIAN12)
export TKJ_IMAGE_DEBIAN13 := $(IMAGE_DEBIAN13)
LAB_VALUES ?= inventories/docker-lab/lab.yml
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := build/galaxy/tkj-mailserver-$(VERSION).tar.gz
# Paths that must never ship in the tarball (galaxy.yml build_ignore keeps them out).
NOT_SHIPPED := (^|/)(\.venv|build|\.cache|\.ansible|\.pytest_cache|\.git|\.tox|__pycache__|\.lab-ca|\.class-passwords)(/|$$)|\.pyc$$
# Files the tarball must hold: the licence galaxy.yml names, the docs ansible-galaxy shows.
SHIPPED := LICENSE README.md CHANGELOG.md meta/runtime.yml
SCENARIOS := $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

.PHONY: help venv collection-path docker image browser lint unit sanity galaxy ee changelog molecule readme test lab lab-down bench bench-class load clean

help:
	@echo "make test    lint + unit + sanity + Molecule scenarios: $(SCENARIOS)"
	@echo "make readme  the README's command blocks as written, with ansible-core 2.14 and 2.19"
	@echo "make lab     start the container lab from $(LAB_VALUES), apply the playbook, report"
	@echo "make lab-down remove the lab's containers, network and port forwarder"
	@echo "make bench   converge/re-run figures, 1 and 8 hosts (build/bench/results.json)"
	@echo "make bench-class  the class scale-out, 8/16/32 hosts (build/bench/results-class.json)"
	@echo "make load    load test, 1000 messages (build/bench/load.json)"
	@echo "make image   build the Debian 12/13 test images ($(IMAGE_DEBIAN12), $(IMAGE_DEBIAN13))"
	@echo "make clean   remove the venv, build/, the test images and Molecule containers"

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# ansible finds the collection from this checkout as ansible_collections/tkj/mailserver.
collection-path: build/collections/ansible_collections/tkj/mailserver
build/collections/ansible_collections/tkj/mailserver:
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

docker:
	scripts/ensure-docker.sh
	scripts/ensure-apt-proxy.sh

image: docker
	scripts/build-image.sh bookworm $(IMAGE_DEBIAN12) $(if $(REBUILD),--rebuild)
	scripts/build-image.sh trixie $(IMAGE_DEBIAN13) $(if $(REBUILD),--rebuild)

# Debian's chromium and chromedriver, for the webmail's browser tests (molecule/default).
browser:
	scripts/ensure-browser.sh

lint: venv collection-path
	ansible-lint
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	antsibull-changelog generate --output build/CHANGELOG.md --output-format md
	diff -u CHANGELOG.md build/CHANGELOG.md || { echo "CHANGELOG.md is stale: make changelog" >&2; exit 1; }

unit: venv collection-path
	python -m pytest -q tests/unit

sanity: venv
	scripts/sanity.sh

# The collection as Galaxy users get it: built, checked for files that must not ship, installed
# offline (galaxy.yml has no dependencies) where the galaxy scenario looks for it.
galaxy: venv
	rm -rf build/galaxy
	ansible-galaxy collection build --output-path build/galaxy
	tar tzf $(TARBALL) > build/galaxy/contents.txt
	if grep -E '$(NOT_SHIPPED)' build/galaxy/contents.txt; then echo "$(TARBALL) holds the paths above: add them to build_ignore in galaxy.yml" >&2; exit 1; fi
	for file in $(SHIPPED); do grep -qx "$$file" build/galaxy/contents.txt || { echo "$(TARBALL) lacks $$file" >&2; exit 1; }; done
	ansible-galaxy collection install --offline -p build/galaxy/collections $(TARBALL) --force

# The AWX/AAP execution environment's build context (no image is built), and its Galaxy step run
# here: the requirements ansible-builder wrote install the tarball it copied.
ee: galaxy
	rm -rf build/ee
	ansible-builder create --file execution-environment.yml --context build/ee
	cd build/ee/_build && ansible-galaxy collection install --offline -r requirements.yml -p ../collections --force

# Fragments are kept (changelogs/config.yaml), so this never consumes them; an edited fragment of a
# released version shows up through --refresh-fragments.
changelog: venv collection-path
	grep -qxF '  $(VERSION):' changelogs/changelog.yaml || antsibull-changelog release --version $(VERSION)
	antsibull-changelog generate --refresh-fragments

# A timing line after each scenario (and each step of make test): where the suite's time goes. A
# failed scenario's failures are printed again at the end (CI keeps only the end of the output,
# after the destroy step), from its log in build/molecule-SCENARIO.log.
molecule: venv collection-path image galaxy browser
	for scenario in $(SCENARIOS); do start=$$(date +%s); \
	  if ! molecule test -s $$scenario 2>&1 | tee build/molecule-$$scenario.log; then \
	    echo "=== $$scenario failed; its failures:"; grep -a -A25 -E 'fatal: |FAILED! |^E  |^FAILED |failed=[1-9]' build/molecule-$$scenario.log | tail -120; exit 1; fi; \
	  echo "timing: molecule $$scenario $$(( $$(date +%s) - start )) s"; done

# The README's command blocks as written, with ansible-core 2.14 (from a clone) and 2.19 (from the tarball).
readme: venv galaxy image
	python tests/readme/readme_commands.py

TEST_STEPS := lint unit sanity galaxy ee molecule readme
test:
	for step in $(TEST_STEPS); do start=$$(date +%s); $(MAKE) --no-print-directory $$step; \
	  echo "timing: $$step $$(( $$(date +%s) - start )) s"; done

lab: venv collection-path image
	scripts/lab-up.sh $(LAB_VALUES)

lab-down:
	scripts/lab-down.sh

# Figures, not tests (not part of make test): fresh containers on their own internal networks.
bench: venv collection-path image
	python bench/run_bench.py --runs 2 --scale 1,8 --floor 8

bench-class: venv collection-path image
	python bench/run_bench.py --runs 1 --scale 8,16,32 --floor 32 --output results-class.json

load: venv collection-path image
	python bench/load_test.py

clean:
	-scripts/lab-down.sh
	-for scenario in $(SCENARIOS); do [ -x $(BIN)/molecule ] && $(BIN)/molecule destroy -s $$scenario; done
	-docker image rm $(IMAGE_DEBIAN12) $(IMAGE_DEBIAN13) 2>/dev/null
	rm -rf $(VENV) build tkj-mailserver-*.tar.gz
