// parsers reads a vSphere cloud provider config file with the upstream parsers themselves and prints what they
// read, as JSON, or the parser's error (exit status 1):
//
//	parsers cpi FILE         the out-of-tree provider (k8s.io/cloud-provider-vsphere): ReadCPIConfig, YAML first
//	                         then INI, as the controller does; plus the raw common config of the format it read
//	parsers cpi_nsxt FILE    the out-of-tree provider's Load Balancer and Routes readers, as cloud.go init calls
//	                         them on the same file (each YAML first, then INI): ReadNsxtConfig, ReadLBConfig,
//	                         ReadRouteConfig; each reader's result or error, and the raw config of the format read
//	parsers cpi_secret FILE  the out-of-tree provider's credential manager reading a Secret's data (FILE: JSON
//	                         {"name": ..., "namespace": ..., "data": {key: value}}); prints every server's credential
//	parsers csi FILE         the CSI driver (sigs.k8s.io/vsphere-csi-driver/v3): config.ReadConfig
//	parsers in_tree FILE     the legacy in-tree provider: gcfg.ReadInto into a copy of its VSphereConfig (see
//	                         intree.go for why it is a copy) and the checks it makes before connecting
//
// The environment variables the parsers also read (VSPHERE_*, VCENTER_*, CLUSTER_FLAVOR, snapshot limits) are
// cleared first: only the file counts.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	cpiconfig "k8s.io/cloud-provider-vsphere/pkg/cloudprovider/vsphere/config"
	lbconfig "k8s.io/cloud-provider-vsphere/pkg/cloudprovider/vsphere/loadbalancer/config"
	routeconfig "k8s.io/cloud-provider-vsphere/pkg/cloudprovider/vsphere/route/config"
	nsxtconfig "k8s.io/cloud-provider-vsphere/pkg/nsxt/config"
	vcfg "k8s.io/cloud-provider-vsphere/pkg/common/config"
	"k8s.io/cloud-provider-vsphere/pkg/common/credentialmanager"
	csiconfig "sigs.k8s.io/vsphere-csi-driver/v3/pkg/common/config"
)

func clearEnv() {
	for _, kv := range os.Environ() {
		key := strings.SplitN(kv, "=", 2)[0]
		for _, prefix := range []string{"VSPHERE_", "VCENTER_", "NSXT_", "CLUSTER_FLAVOR", "GLOBAL_MAX_SNAPSHOTS",
			"GRANULAR_MAX_SNAPSHOTS"} {
			if strings.HasPrefix(key, prefix) {
				os.Unsetenv(key)
			}
		}
	}
}

func cpi(data []byte) (interface{}, error) {
	cfg, err := cpiconfig.ReadCPIConfig(data)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{"config": cfg}
	// ReadCPIConfig tries YAML first: the raw config of the format it read holds the keys CreateConfig drops
	// (apiDisable, apiBinding, ipFamily) and secretsDirectory as written (FromEnv empties it when absent here).
	if raw, err := vcfg.ReadRawConfigYAML(data); err == nil {
		out["format"], out["raw"] = "yaml", raw
	} else if raw, err := vcfg.ReadRawConfigINI(data); err == nil {
		out["format"], out["raw"] = "ini", raw
	} else {
		return nil, fmt.Errorf("the raw reader refused what ReadCPIConfig read: %v", err)
	}
	return out, nil
}

// reader is one reader's result: what it read, or its error (the provider then starts without the interface).
func reader(cfg interface{}, err error) map[string]interface{} {
	if err != nil {
		return map[string]interface{}{"error": err.Error()}
	}
	return map[string]interface{}{"config": cfg}
}

func cpiNsxt(data []byte) (interface{}, error) {
	nsxt, err := nsxtconfig.ReadNsxtConfig(data)
	out := map[string]interface{}{"nsxt": reader(nsxt, err)}
	lb, err := lbconfig.ReadLBConfig(data)
	out["lb"] = reader(lb, err)
	if err == nil {
		out["lb_enabled"] = lb.IsEnabled()
	}
	route, err := routeconfig.ReadRouteConfig(data)
	out["route"] = reader(route, err)
	// Which format each reader took: YAML first, as the Read*Config functions try it.
	formats := map[string]string{}
	if _, err := nsxtconfig.ReadConfigYAML(data); err == nil {
		formats["nsxt"] = "yaml"
	} else if _, err := nsxtconfig.ReadConfigINI(data); err == nil {
		formats["nsxt"] = "ini"
	}
	if _, err := lbconfig.ReadConfigYAML(data); err == nil {
		formats["lb"] = "yaml"
	} else if _, err := lbconfig.ReadConfigINI(data); err == nil {
		formats["lb"] = "ini"
	}
	if _, err := routeconfig.ReadConfigYAML(data); err == nil {
		formats["route"] = "yaml"
	} else if _, err := routeconfig.ReadConfigINI(data); err == nil {
		formats["route"] = "ini"
	}
	out["formats"] = formats
	return out, nil
}

func cpiSecret(data []byte) (interface{}, error) {
	var in struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Data      map[string]string `json:"data"`
		Servers   []string          `json:"servers"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: in.Name, Namespace: in.Namespace,
		ResourceVersion: "1"}, Data: map[string][]byte{}}
	for k, v := range in.Data {
		secret.Data[k] = []byte(v)
	}
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := indexer.Add(secret); err != nil {
		return nil, err
	}
	cm := credentialmanager.NewCredentialManager(in.Name, in.Namespace, "", listersv1.NewSecretLister(indexer))
	out := map[string]interface{}{}
	for _, server := range in.Servers {
		cred, err := cm.GetCredential(server)
		if err != nil {
			return nil, fmt.Errorf("server %s: %v", server, err)
		}
		out[server] = cred
	}
	return out, nil
}

func csi(data []byte) (interface{}, error) {
	return csiconfig.ReadConfig(context.Background(), bytes.NewReader(data))
}

func main() {
	klog.InitFlags(nil)
	_ = flag.Set("logtostderr", "false")
	_ = flag.Set("stderrthreshold", "FATAL")
	klog.SetOutput(&bytes.Buffer{})
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: parsers cpi|cpi_nsxt|cpi_secret|csi|in_tree FILE")
		os.Exit(2)
	}
	clearEnv()
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var out interface{}
	switch os.Args[1] {
	case "cpi":
		out, err = cpi(data)
	case "cpi_nsxt":
		out, err = cpiNsxt(data)
	case "cpi_secret":
		out, err = cpiSecret(data)
	case "csi":
		out, err = csi(data)
	case "in_tree":
		out, err = inTree(data)
	default:
		fmt.Fprintln(os.Stderr, "unknown format", os.Args[1])
		os.Exit(2)
	}
	if err != nil {
		_ = json.NewEncoder(os.Stdout).Encode(map[string]string{"error": err.Error()})
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
