//go:build tools

// Package tools pins the upstream vSphere cloud controller manager (k8s.io/cloud-provider-vsphere) for the lab.
// The lab builds k8s.io/cloud-provider-vsphere/cmd/vsphere-cloud-controller-manager from this module, with the
// k8s.io/* libraries moved to the lab's Kubernetes patch release.
package tools

import (
	_ "k8s.io/cloud-provider-vsphere/cmd/vsphere-cloud-controller-manager"
)
