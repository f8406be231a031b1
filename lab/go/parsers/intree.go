package main

// The legacy in-tree provider (k8s.io/legacy-cloud-providers v0.29.15, the last release that had vsphere/; it was
// removed in 1.30).
//
// The verdict is upstream's own: the package is imported and registers itself as the "vsphere" cloud provider,
// and cloudprovider.GetCloudProvider runs its readConfig (gcfg.ReadInto: unknown keys are fatal) and
// buildVSphereFromConfig (SCSI controller type, workspace, credentials). Only the last step of newControllerNode,
// reading this machine's VM UUID from sysfs, is not about the file: its error means the file was accepted.
//
// The values: readConfig and the VSphere struct's cfg are unexported, so the VSphereConfig and
// VirtualCenterConfig types below are copied verbatim from vsphere/vsphere.go (lines 123-222), read with the same
// gcfg.ReadInto, and resolved per vCenter as populateVsphereInstanceMap does (line by line), to print what each
// vCenter connection gets.

import (
	"bytes"
	"errors"
	"fmt"
	"path"

	"strings"

	"gopkg.in/gcfg.v1"
	cloudprovider "k8s.io/cloud-provider"
	_ "k8s.io/legacy-cloud-providers/vsphere"
	"k8s.io/legacy-cloud-providers/vsphere/vclib"
)

// uuidErrors are the errors of GetVMUUID (vsphere/vsphere_util.go), raised after every check of the file passed.
var uuidErrors = []string{"error retrieving vm uuid", "failed to match Prefix", "length check failed"}

// Structure that represents Virtual Center configuration
type VirtualCenterConfig struct {
	// vCenter username.
	User string `gcfg:"user"`
	// vCenter password in clear text.
	Password string `gcfg:"password" datapolicy:"password"`
	// vCenter port.
	VCenterPort string `gcfg:"port"`
	// Datacenter in which VMs are located.
	Datacenters string `gcfg:"datacenters"`
	// Soap round tripper count (retries = RoundTripper - 1)
	RoundTripperCount uint `gcfg:"soap-roundtrip-count"`
	// Thumbprint of the VCenter's certificate thumbprint
	Thumbprint string `gcfg:"thumbprint"`
}

// Structure that represents the content of vsphere.conf file.
// Users specify the configuration of one or more Virtual Centers in vsphere.conf where
// the Kubernetes master and worker nodes are running.
// NOTE: Cloud config files should follow the same Kubernetes deprecation policy as
// flags or CLIs. Config fields should not change behavior in incompatible ways and
// should be deprecated for at least 2 release prior to removing.
// See https://kubernetes.io/docs/reference/using-api/deprecation-policy/#deprecating-a-flag-or-cli
// for more details.
type VSphereConfig struct {
	Global struct {
		// vCenter username.
		User string `gcfg:"user"`
		// vCenter password in clear text.
		Password string `gcfg:"password" datapolicy:"password"`
		// Deprecated. Use VirtualCenter to specify multiple vCenter Servers.
		// vCenter IP.
		VCenterIP string `gcfg:"server"`
		// vCenter port.
		VCenterPort string `gcfg:"port"`
		// True if vCenter uses self-signed cert.
		InsecureFlag bool `gcfg:"insecure-flag"`
		// Specifies the path to a CA certificate in PEM format. Optional; if not
		// configured, the system's CA certificates will be used.
		CAFile string `gcfg:"ca-file"`
		// Thumbprint of the VCenter's certificate thumbprint
		Thumbprint string `gcfg:"thumbprint"`
		// Datacenter in which VMs are located.
		// Deprecated. Use "datacenters" instead.
		Datacenter string `gcfg:"datacenter"`
		// Datacenter in which VMs are located.
		Datacenters string `gcfg:"datacenters"`
		// Datastore in which vmdks are stored.
		// Deprecated. See Workspace.DefaultDatastore
		DefaultDatastore string `gcfg:"datastore"`
		// WorkingDir is path where VMs can be found. Also used to create dummy VMs.
		// Deprecated.
		WorkingDir string `gcfg:"working-dir"`
		// Soap round tripper count (retries = RoundTripper - 1)
		RoundTripperCount uint `gcfg:"soap-roundtrip-count"`
		// Is required on the controller-manager if it does not run on a VMware machine
		// VMUUID is the VM Instance UUID of virtual machine which can be retrieved from instanceUuid
		// property in VmConfigInfo, or also set as vc.uuid in VMX file.
		// If not set, will be fetched from the machine via sysfs (requires root)
		VMUUID string `gcfg:"vm-uuid"`
		// Deprecated as virtual machine will be automatically discovered.
		// VMName is the VM name of virtual machine
		// Combining the WorkingDir and VMName can form a unique InstanceID.
		// When vm-name is set, no username/password is required on worker nodes.
		VMName string `gcfg:"vm-name"`
		// Name of the secret were vCenter credentials are present.
		SecretName string `gcfg:"secret-name"`
		// Secret Namespace where secret will be present that has vCenter credentials.
		SecretNamespace string `gcfg:"secret-namespace"`
		// Secret changes being ingnored for cloud resources
		SecretNotManaged bool `gcfg:"secret-not-managed"`
	}

	VirtualCenter map[string]*VirtualCenterConfig

	Network struct {
		// PublicNetwork is name of the network the VMs are joined to.
		PublicNetwork string `gcfg:"public-network"`
	}

	Disk struct {
		// SCSIControllerType defines SCSI controller to be used.
		SCSIControllerType string `dcfg:"scsicontrollertype"`
	}

	// Endpoint used to create volumes
	Workspace struct {
		VCenterIP        string `gcfg:"server"`
		Datacenter       string `gcfg:"datacenter"`
		Folder           string `gcfg:"folder"`
		DefaultDatastore string `gcfg:"default-datastore"`
		ResourcePoolPath string `gcfg:"resourcepool-path"`
	}

	// Tag categories and tags which correspond to "built-in node labels: zones and region"
	Labels struct {
		Zone   string `gcfg:"zone"`
		Region string `gcfg:"region"`
	}
}

// inTreeConnection is what populateVsphereInstanceMap hands to vclib.VSphereConnection per vCenter.
type inTreeConnection struct {
	Username          string
	Password          string
	Hostname          string
	Insecure          bool
	RoundTripperCount uint
	Port              string
	CACert            string
	Thumbprint        string
	Datacenters       string
}

func inTree(data []byte) (interface{}, error) {
	if _, err := cloudprovider.GetCloudProvider("vsphere", bytes.NewReader(data)); err != nil {
		accepted := false
		for _, prefix := range uuidErrors {
			accepted = accepted || strings.HasPrefix(err.Error(), prefix)
		}
		if !accepted {
			return nil, err
		}
	}
	// readConfig
	var cfg VSphereConfig
	if err := gcfg.ReadInto(&cfg, bytes.NewReader(data)); err != nil {
		return nil, err
	}
	// buildVSphereFromConfig
	if cfg.Disk.SCSIControllerType == "" {
		cfg.Disk.SCSIControllerType = vclib.PVSCSIControllerType
	} else if !vclib.CheckControllerSupported(cfg.Disk.SCSIControllerType) {
		return nil, errors.New("Controller type not supported. Please configure 'lsilogic-sas' OR 'pvscsi'")
	}
	if cfg.Global.WorkingDir != "" {
		cfg.Global.WorkingDir = path.Clean(cfg.Global.WorkingDir)
	}
	if cfg.Global.RoundTripperCount == 0 {
		cfg.Global.RoundTripperCount = 3
	}
	if cfg.Global.VCenterPort == "" {
		cfg.Global.VCenterPort = "443"
	}
	// populateVsphereInstanceMap
	conns := map[string]*inTreeConnection{}
	secret := cfg.Global.SecretName != "" && cfg.Global.SecretNamespace != ""
	if secret {
		cfg.Global.User, cfg.Global.Password = "", ""
	}
	if len(cfg.VirtualCenter) == 0 {
		if !secret {
			if cfg.Global.User == "" {
				return nil, errors.New("Username is missing")
			}
			if cfg.Global.Password == "" {
				return nil, errors.New("Password is missing")
			}
		}
		if cfg.Global.WorkingDir == "" {
			return nil, errors.New("Global.WorkingDir is empty!")
		}
		if cfg.Global.VCenterIP == "" {
			return nil, errors.New("Global.VCenterIP is empty!")
		}
		if cfg.Global.Datacenter == "" {
			return nil, errors.New("Global.Datacenter is empty!")
		}
		conns[cfg.Global.VCenterIP] = &inTreeConnection{Username: cfg.Global.User, Password: cfg.Global.Password,
			Hostname: cfg.Global.VCenterIP, Insecure: cfg.Global.InsecureFlag,
			RoundTripperCount: cfg.Global.RoundTripperCount, Port: cfg.Global.VCenterPort, CACert: cfg.Global.CAFile,
			Thumbprint: cfg.Global.Thumbprint, Datacenters: cfg.Global.Datacenter}
	} else {
		if cfg.Workspace.VCenterIP == "" || cfg.Workspace.Folder == "" || cfg.Workspace.Datacenter == "" {
			return nil, fmt.Errorf("All fields in workspace are mandatory."+
				" vsphere.conf does not have the workspace specified correctly. cfg.Workspace: %+v", cfg.Workspace)
		}
		for vcServer, vcConfig := range cfg.VirtualCenter {
			if vcServer == "" {
				return nil, errors.New("vsphere.conf does not have the VirtualCenter IP address specified")
			}
			if !secret {
				if vcConfig.User == "" {
					vcConfig.User = cfg.Global.User
					if vcConfig.User == "" {
						return nil, errors.New("Username is missing")
					}
				}
				if vcConfig.Password == "" {
					vcConfig.Password = cfg.Global.Password
					if vcConfig.Password == "" {
						return nil, errors.New("Password is missing")
					}
				}
			} else {
				vcConfig.User, vcConfig.Password = "", ""
			}
			if vcConfig.VCenterPort == "" {
				vcConfig.VCenterPort = cfg.Global.VCenterPort
			}
			if vcConfig.Datacenters == "" {
				if cfg.Global.Datacenters != "" {
					vcConfig.Datacenters = cfg.Global.Datacenters
				} else {
					vcConfig.Datacenters = cfg.Global.Datacenter
				}
			}
			if vcConfig.RoundTripperCount == 0 {
				vcConfig.RoundTripperCount = cfg.Global.RoundTripperCount
			}
			conns[vcServer] = &inTreeConnection{Username: vcConfig.User, Password: vcConfig.Password,
				Hostname: vcServer, Insecure: cfg.Global.InsecureFlag, RoundTripperCount: vcConfig.RoundTripperCount,
				Port: vcConfig.VCenterPort, CACert: cfg.Global.CAFile, Thumbprint: vcConfig.Thumbprint,
				Datacenters: vcConfig.Datacenters}
		}
	}
	return map[string]interface{}{"config": cfg, "connections": conns}, nil
}
