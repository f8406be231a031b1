//go:build tools

// Package tools pins the CSI attacher sidecar built by lab/lab.sh.
package tools

import (
	_ "github.com/kubernetes-csi/external-attacher/v4/cmd/csi-attacher"
)
