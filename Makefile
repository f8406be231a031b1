# vsphere_k8s.cloud_provider: developer entry points. See README.md.
SHELL := /bin/bash

.PHONY: help venv lab lab-down lab-status demo test sanity lint docs-lint unit integration packaging compat build bench docs clean

help:
	@echo "make lab        start the lab (vcsim, etcd, kube-apiserver, kube-controller-manager) and write .lab/env"
	@echo "make lab-down   stop the lab"
	@echo "make demo       start the lab and bootstrap it: vCenter prerequisites, nodes, cloud controller, CSI, storage;"
	@echo "                power cycles the node VMs as an operator does after the bootstrap (disk.EnableUUID);"
	@echo "                then the real vSphere cloud controller (CPI) initializes the lab's Nodes and stops; then the real"
	@echo "                vSphere CSI driver (controller, provisioner, attacher) gives a 3-replica StatefulSet First Class"
	@echo "                Disks attached to its nodes' VMs, and stops"
	@echo "make test       everything CI runs: sanity, lint, docs, unit, integration, packaging, ansible-core 2.16 compat"
	@echo "make lint       ansible-lint (production profile) on the roles and playbooks"
	@echo "make build      build the collection tarball into .build/"
	@echo "make docs       the HTML docsite of the collection into .build/docs (antsibull-docs and Sphinx, .venv-docs)"

venv:
	@bash lab/venv.sh .venv newest

lab: venv
	@bash lab/lab.sh up

demo: lab
	@source .lab/env && ansible-playbook -i playbooks/inventory/lab.yml playbooks/bootstrap.yml $(DEMO_ARGS)
	@source .lab/env && .venv/bin/python lab/labcsi.py power-cycle
	@bash lab/lab.sh nodes
	@bash lab/lab.sh ccm
	@bash lab/lab.sh csi start
	@source .lab/env && rc=0 && .venv/bin/python lab/labcsi.py demo || rc=$$?; bash lab/lab.sh csi stop; exit $$rc

lab-down:
	@bash lab/lab.sh down

lab-status:
	@bash lab/lab.sh status

test:
	@bash tests/run.sh all

sanity lint unit integration packaging compat:
	@bash tests/run.sh $@

docs-lint:
	@bash tests/run.sh docs

build: venv
	@mkdir -p .build && .venv/bin/ansible-galaxy collection build --force --output-path .build .

# antsibull-docs makes a Sphinx site template and the collection's RST pages, Sphinx renders them. The collection is
# found through a link tree; the ansible docs it refers to are not fetched (intersphinx warnings without a network).
DOCS_SRC := .build/docs-src
docs:
	@bash lab/venv.sh .venv-docs docs
	@rm -rf .build/docs $(DOCS_SRC) && mkdir -p .build $(DOCS_SRC)/collections/ansible_collections/vsphere_k8s && \
		mkdir -m 700 $(DOCS_SRC)/site && \
		ln -sfn "$(CURDIR)" $(DOCS_SRC)/collections/ansible_collections/vsphere_k8s/cloud_provider
	@export PATH="$(CURDIR)/.venv-docs/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/$(DOCS_SRC)/collections" && \
		antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir $(DOCS_SRC)/site \
			vsphere_k8s.cloud_provider >/dev/null && \
		cd $(DOCS_SRC)/site && chmod 700 rst && \
		antsibull-docs --config-file antsibull-docs.cfg collection --use-current --squash-hierarchy --fail-on-error \
			--dest-dir rst vsphere_k8s.cloud_provider && \
		sphinx-build -q -b html -c . rst "$(CURDIR)/.build/docs"
	@echo "docs: $(CURDIR)/.build/docs/index.html"

bench: venv
	@bash benchmarks/run.sh

clean: lab-down
	rm -rf .build .lab tests/output
