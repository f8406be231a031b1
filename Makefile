# vsphere_k8s.cloud_provider: developer entry points. See README.md.
SHELL := /bin/bash

.PHONY: help venv lab lab-down lab-status demo test sanity unit integration packaging compat build bench clean

help:
	@echo "make lab        start the lab (vcsim, etcd, kube-apiserver, kube-controller-manager) and write .lab/env"
	@echo "make lab-down   stop the lab"
	@echo "make demo       start the lab and bootstrap it: vCenter prerequisites, nodes, cloud controller, CSI, storage;"
	@echo "                then the real vSphere cloud controller (CPI) initializes the lab's Nodes and stops; then the real"
	@echo "                vSphere CSI driver (controller, provisioner, attacher) gives a 3-replica StatefulSet First Class"
	@echo "                Disks attached to its nodes' VMs, and stops"
	@echo "make test       everything CI runs: sanity, unit, integration, packaging, ansible-core 2.16 compat"
	@echo "make build      build the collection tarball into .build/"

venv:
	@bash lab/venv.sh .venv newest

lab: venv
	@bash lab/lab.sh up

demo: lab
	@source .lab/env && ansible-playbook -i playbooks/inventory/lab.yml playbooks/bootstrap.yml $(DEMO_ARGS)
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

sanity unit integration packaging compat:
	@bash tests/run.sh $@

build: venv
	@mkdir -p .build && .venv/bin/ansible-galaxy collection build --force --output-path .build .

bench: lab
	@bash benchmarks/run.sh

clean: lab-down
	rm -rf .build .lab tests/output
