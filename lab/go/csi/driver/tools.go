//go:build tools

// Package tools pins the vSphere CSI driver's programs built by lab/lab.sh.
package tools

import (
	_ "sigs.k8s.io/vsphere-csi-driver/v3/cmd/vsphere-csi"
)
