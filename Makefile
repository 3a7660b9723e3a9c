# tkj.mailserver: one entry point for development, tests and the lab.
#   make test     lint, unit tests, ansible-test sanity, every Molecule scenario (what CI runs)
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
SCENARIOS := $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

.PHONY: help venv collection-path docker image lint unit sanity molecule test clean

help:
	@echo "make test    lint + unit + sanity + Molecule scenarios: $(SCENARIOS)"
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

lint: venv collection-path
	ansible-lint

unit: venv collection-path
	python -m pytest -q tests/unit

sanity: venv
	scripts/sanity.sh

molecule: venv collection-path image
	for scenario in $(SCENARIOS); do molecule test -s $$scenario; done

test: lint unit sanity molecule

clean:
	-for scenario in $(SCENARIOS); do [ -x $(BIN)/molecule ] && $(BIN)/molecule destroy -s $$scenario; done
	-docker image rm $(IMAGE_DEBIAN12) $(IMAGE_DEBIAN13) 2>/dev/null
	rm -rf $(VENV) build tkj-mailserver-*.tar.gz
