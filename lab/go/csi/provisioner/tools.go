//go:build tools

// Package tools pins the CSI provisioner sidecar built by lab/lab.sh.
package tools

import (
	_ "github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner"
)
