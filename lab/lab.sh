#!/usr/bin/env bash
# The lab: vcsim (govmomi's vCenter simulator), etcd, kube-apiserver and kube-controller-manager on 127.0.0.1.
#
#   lab/lab.sh build   build the pinned programs into the cache (once per version)
#   lab/lab.sh up      build if needed, start everything (idempotent), write .lab/env
#   lab/lab.sh down    stop everything this lab started
#   lab/lab.sh status  say what runs
#   lab/lab.sh rtt MS  the round-trip time of the link in front of vcsim, for connections opened from now on
#   lab/lab.sh nodes   (re)register a Node per node VM as a fresh kubelet --cloud-provider=external would
#   lab/lab.sh ccm [start|wait|stop]  run the upstream vSphere cloud controller manager as a process with what the
#                      cloud_controller role installed; without an argument: start, wait for the Nodes, stop
#   lab/lab.sh csi start|stop|status  run the vSphere CSI driver's controller with the upstream provisioner and
#                      attacher as processes with what the csi_driver role installed (one per machine: port 2112)
#
# Environment: LAB_VMS (background VMs in vcsim, default 40), LAB_RTT_MS (round-trip time in ms of the link in
# front of vcsim, default 0; `lab/lab.sh rtt MS` changes it for new connections while the lab runs), LAB_CACHE (build cache, default
# ~/.cache/vsphere-k8s-lab), LAB_VCSIM_PORT (8989), LAB_APISERVER_PORT (16443), LAB_ETCD_PORT (23790), LAB_VCSIM_TMPDIR (where vcsim keeps
# its datastore files; default /dev/shm when writable, else the system temporary folder).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB="$ROOT/.lab"
CACHE="${LAB_CACHE:-$HOME/.cache/vsphere-k8s-lab}"
LAB_VMS="${LAB_VMS:-40}"
LAB_RTT_MS="${LAB_RTT_MS:-0}"
VCSIM_PORT="${LAB_VCSIM_PORT:-8989}"
APISERVER_PORT="${LAB_APISERVER_PORT:-16443}"
ETCD_PORT="${LAB_ETCD_PORT:-23790}"
ETCD_PEER_PORT=$((ETCD_PORT + 10))
VCSIM_USER="administrator@vsphere.local"
VCSIM_PASSWORD='Lab-Passw0rd;#"\'

# Pinned versions (the Go modules in lab/go pin them with go.sum).
GOVMOMI_VERSION=v0.56.0
ETCD_VERSION=v3.6.8
KUBERNETES_VERSION=v1.36.3
# The config parsers of the cloud providers (lab/go/parsers): CPI, CSI and the last in-tree provider.
PARSERS_VERSION=cpi-v1.36.0-csi-v3.7.0-intree-v0.29.15
# The upstream vSphere cloud controller manager of the lab's Kubernetes minor (built from its Go module in lab/go/ccm).
CPI_VERSION=v1.36.0
# The vSphere CSI driver and the upstream CSI sidecars (lab/go/csi/{driver,provisioner,attacher}), k8s.io/* moved to
# the lab's Kubernetes.
CSI_VERSION=v3.7.0
CSI_PROVISIONER_VERSION=v6.3.0
CSI_ATTACHER_VERSION=v4.12.0

say() { printf 'lab: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# A build is keyed by the pinned version, its link flags and the content of its Go module directory.
# Names csi-X live in lab/go/csi/X.
go_dir() { case "$1" in csi-*) echo "$ROOT/lab/go/csi/${1#csi-}" ;; *) echo "$ROOT/lab/go/$1" ;; esac; }
build_key() { (cd "$(go_dir "$1")" && { cat go.mod go.sum ./*.go; echo "$2"; } 2>/dev/null | sha256sum | cut -c1-12); }
bin_dir() { echo "$CACHE/bin/$1-$2-$(build_key "$1" "$(ldflags_of "$1")")"; }
ldflags_of() {
    if [ "$1" = kube ]; then
        local minor=${KUBERNETES_VERSION#v1.} v=k8s.io/component-base/version
        echo "-X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=${minor%%.*} -X $v.gitTreeState=clean"
    fi
    if [ "$1" = ccm ]; then # as upstream's Makefile stamps it
        echo "-X main.version=$CPI_VERSION -X k8s.io/component-base/version.gitVersion=$CPI_VERSION"
    fi
    if [ "$1" = csi-driver ]; then # as upstream's Makefile stamps it
        echo "-X sigs.k8s.io/vsphere-csi-driver/v3/pkg/csi/service.Version=$CSI_VERSION"
    fi
    if [ "$1" = csi-provisioner ]; then echo "-X main.version=$CSI_PROVISIONER_VERSION"; fi
    if [ "$1" = csi-attacher ]; then echo "-X main.version=$CSI_ATTACHER_VERSION"; fi
}

build_one() { # name version ldflags packages...
    local name=$1 version=$2 ldflags=$3; shift 3
    local dir; dir=$(bin_dir "$name" "$version")
    if [ -f "$dir/.complete" ]; then return 0; fi
    command -v go >/dev/null || die "Go is needed to build the lab (https://go.dev/doc/install)"
    say "building $name $version (first time only; cached in $dir)"
    mkdir -p "$dir.tmp"
    local t0=$SECONDS
    if ! (cd "$(go_dir "$name")" && GOFLAGS=-buildvcs=false go build -trimpath -ldflags "$ldflags" -o "$dir.tmp/" "$@") >"$CACHE/build-$name.log" 2>&1; then
        tail -20 "$CACHE/build-$name.log" >&2
        rm -rf "$dir.tmp"
        die "the build of $name $version failed (log: $CACHE/build-$name.log)"
    fi
    rm -rf "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.complete"
    say "built $name in $((SECONDS - t0))s"
}

cmd_build() {
    mkdir -p "$CACHE/bin"
    build_one vcsim "$GOVMOMI_VERSION" "" .
    build_one etcd "$ETCD_VERSION" "" .
    build_one kube "$KUBERNETES_VERSION" "$(ldflags_of kube)" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
    build_one parsers "$PARSERS_VERSION" "" .
    build_one ccm "$CPI_VERSION" "$(ldflags_of ccm)" k8s.io/cloud-provider-vsphere/cmd/vsphere-cloud-controller-manager
    csi_build
}

csi_build() {
    build_one csi-driver "$CSI_VERSION" "$(ldflags_of csi-driver)" sigs.k8s.io/vsphere-csi-driver/v3/cmd/vsphere-csi
    build_one csi-provisioner "$CSI_PROVISIONER_VERSION" "$(ldflags_of csi-provisioner)" \
        github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner
    build_one csi-attacher "$CSI_ATTACHER_VERSION" "$(ldflags_of csi-attacher)" \
        github.com/kubernetes-csi/external-attacher/v4/cmd/csi-attacher
}

COMPONENTS="etcd kube-apiserver kube-controller-manager vcsim"

pid_of() { cat "$LAB/run/$1.pid" 2>/dev/null || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_all() {
    local c p
    stop_procs
    for c in $COMPONENTS; do
        p=$(pid_of "$c")
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; fi
    done
    for _ in $(seq 1 100); do
        local any=0
        for c in $COMPONENTS; do alive "$c" && any=1; done
        [ $any = 0 ] && break
        sleep 0.1
    done
    for c in $COMPONENTS; do
        p=$(pid_of "$c")
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
            kill -KILL "$p" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        fi
        rm -f "$LAB/run/$c.pid"
    done
}

start() { # name logfile cmd...
    local name=$1; shift
    setsid "$@" >"$LAB/log/$name.log" 2>&1 </dev/null &
    echo $! >"$LAB/run/$name.pid"
}

wait_for() { # name seconds test-command...
    local name=$1 secs=$2; shift 2
    local deadline=$((SECONDS + secs))
    while ! "$@" >/dev/null 2>&1; do
        if ! alive "$name"; then
            tail -15 "$LAB/log/$name.log" >&2 || true
            die "$name exited during start-up (log: $LAB/log/$name.log)"
        fi
        [ $SECONDS -ge $deadline ] && { tail -15 "$LAB/log/$name.log" >&2 || true; die "$name was not ready within ${secs}s (log: $LAB/log/$name.log)"; }
        sleep 0.2
    done
}

pki() {
    local d="$LAB/pki" version=2
    [ "$(cat "$d/.complete" 2>/dev/null)" = "$version" ] && return 0
    rm -rf "$d" && mkdir -p "$d"
    (
        cd "$d"
        # Python 3.13 verifies strictly (RFC 5280): key usage and key identifiers must be there.
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=vsphere-k8s-lab-ca" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -addext "subjectKeyIdentifier=hash" -keyout ca.key -out ca.crt 2>/dev/null
        printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "extendedKeyUsage=serverAuth" \
            "keyUsage=critical,digitalSignature,keyEncipherment" "authorityKeyIdentifier=keyid" >server.ext
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile server.ext -out server.crt 2>/dev/null
        printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment" \
            "authorityKeyIdentifier=keyid" >client.ext
        # The lab's controller-manager runs every controller under its own name, so it needs more than the
        # default system:kube-controller-manager role: it is a cluster admin here.
        for who in "admin:/O=system:masters/CN=lab-admin" "controller-manager:/O=system:masters/CN=system:kube-controller-manager"; do
            openssl req -newkey rsa:2048 -nodes -subj "${who#*:}" -keyout "${who%%:*}.key" -out "${who%%:*}.csr" 2>/dev/null
            openssl x509 -req -in "${who%%:*}.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
                -extfile client.ext -out "${who%%:*}.crt" 2>/dev/null
        done
        openssl genrsa -out sa.key 2048 2>/dev/null
        openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
        chmod 600 ./*.key
    )
    echo "$version" >"$d/.complete"
}

kubeconfig() { # file user
    local f=$1 user=$2
    cat >"$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $LAB/pki/ca.crt
users:
- name: $user
  user:
    client-certificate: $LAB/pki/$user.crt
    client-key: $LAB/pki/$user.key
contexts:
- name: lab
  context: {cluster: lab, user: $user}
current-context: lab
EOF
    chmod 600 "$f"
}

write_env() {
    local py_bin="$ROOT/.venv/bin"
    # The collection is importable as vsphere_k8s.cloud_provider through a link tree in .lab.
    mkdir -p "$LAB/collections/ansible_collections/vsphere_k8s"
    ln -sfn "$ROOT" "$LAB/collections/ansible_collections/vsphere_k8s/cloud_provider"
    local q_pass; q_pass=$(printf '%q' "$VCSIM_PASSWORD")
    cat >"$LAB/env" <<EOF
# Written by 'make lab': source it to run ansible-playbook against the lab.
export VMWARE_HOST=127.0.0.1
export VMWARE_PORT=$VCSIM_PORT
export VMWARE_USER=$VCSIM_USER
export VMWARE_PASSWORD=$q_pass
export VMWARE_VALIDATE_CERTS=true
export VMWARE_CA_BUNDLE=$LAB/pki/ca.crt
export K8S_AUTH_KUBECONFIG=$LAB/kubeconfig
export ANSIBLE_COLLECTIONS_PATH=$LAB/collections
export PATH=$py_bin:\$PATH
export LAB_ROOT=$LAB
export LAB_VCSIM_TRACE=$LAB/vcsim-trace.jsonl
export LAB_VCSIM_FAULTS=$LAB/vcsim-faults.json
export LAB_AUDIT_LOG=$LAB/log/audit.log
export LAB_VCSIM_INFO=$LAB/vcsim-ready.json
export LAB_VCSIM_RTT=$LAB/vcsim-rtt
export LAB_VMS=$LAB_VMS
export LAB_PARSERS=$(bin_dir parsers "$PARSERS_VERSION")/parsers
EOF
}

healthy() {
    alive etcd && alive kube-apiserver && alive kube-controller-manager && alive vcsim &&
        curl -fsS --cacert "$LAB/pki/ca.crt" --cert "$LAB/pki/admin.crt" --key "$LAB/pki/admin.key" \
            "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1 &&
        [ "$(cat "$LAB/run/vms" 2>/dev/null)" = "$LAB_VMS" ]
}

cmd_up() {
    local t0=$SECONDS
    mkdir -p "$LAB/run" "$LAB/log"
    if healthy; then
        write_env
        echo "$LAB_RTT_MS" >"$LAB/vcsim-rtt"
        say "already running (vcsim 127.0.0.1:$VCSIM_PORT, kube-apiserver 127.0.0.1:$APISERVER_PORT); wrote $LAB/env"
        return 0
    fi
    stop_all
    cmd_build
    local p
    for p in "$VCSIM_PORT:vcsim" "$APISERVER_PORT:kube-apiserver" "$ETCD_PORT:etcd" "$ETCD_PEER_PORT:etcd (peer)"; do
        port_free "${p%%:*}" || die "port ${p%%:*} on 127.0.0.1, wanted by ${p#*:}, is taken by another program: stop it or set LAB_VCSIM_PORT / LAB_APISERVER_PORT / LAB_ETCD_PORT"
    done
    trap 'rc=$?; if [ $rc != 0 ]; then say "start-up failed: stopping what was started"; stop_all; fi' EXIT
    trap 'exit 1' INT TERM
    pki
    kubeconfig "$LAB/kubeconfig" admin
    kubeconfig "$LAB/controller-manager.kubeconfig" controller-manager
    cat >"$LAB/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  resources: [{group: coordination.k8s.io, resources: [leases]}]
- level: None
  verbs: [watch]
- level: Metadata
EOF
    rm -rf "$LAB/etcd" "$LAB/vcsim-ready.json"
    : >"$LAB/vcsim-trace.jsonl"
    : >"$LAB/log/audit.log"

    local vcsim etcd kube
    vcsim=$(bin_dir vcsim "$GOVMOMI_VERSION"); etcd=$(bin_dir etcd "$ETCD_VERSION"); kube=$(bin_dir kube "$KUBERNETES_VERSION")

    rm -f "$LAB/vcsim-faults.json"
    echo "$LAB_RTT_MS" >"$LAB/vcsim-rtt"
    # vcsim writes every VM's and disk's files into temporary datastore folders: on a RAM file system when there
    # is one, else a large inventory waits on the disk (at 10,000 VMs on disk vcsim sat in I/O wait).
    local vcsim_tmp=${LAB_VCSIM_TMPDIR:-}
    if [ -z "$vcsim_tmp" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then vcsim_tmp=/dev/shm; fi
    start vcsim env ${vcsim_tmp:+TMPDIR="$vcsim_tmp"} "$vcsim/vcsim" -l "127.0.0.1:$VCSIM_PORT" -vms "$LAB_VMS" -username "$VCSIM_USER" \
        -password "$VCSIM_PASSWORD" -tlscert "$LAB/pki/server.crt" -tlskey "$LAB/pki/server.key" \
        -trace-file "$LAB/vcsim-trace.jsonl" -fault-file "$LAB/vcsim-faults.json" -ready-file "$LAB/vcsim-ready.json" \
        -rtt-file "$LAB/vcsim-rtt"
    start etcd "$etcd/etcd" --name lab --data-dir "$LAB/etcd" --unsafe-no-fsync \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "lab=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" --log-level warn
    wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
    start kube-apiserver "$kube/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
        --tls-cert-file "$LAB/pki/server.crt" --tls-private-key-file "$LAB/pki/server.key" \
        --client-ca-file "$LAB/pki/ca.crt" --authorization-mode Node,RBAC --allow-privileged=true \
        --service-account-key-file "$LAB/pki/sa.pub" --service-account-signing-key-file "$LAB/pki/sa.key" \
        --service-account-issuer https://kubernetes.default.svc.cluster.local \
        --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
        --audit-policy-file "$LAB/audit-policy.yaml" --audit-log-path "$LAB/log/audit.log" \
        --audit-log-format json --audit-log-mode blocking --audit-log-maxsize 0
    wait_for kube-apiserver 90 curl -fsS --cacert "$LAB/pki/ca.crt" --cert "$LAB/pki/admin.crt" \
        --key "$LAB/pki/admin.key" "https://127.0.0.1:$APISERVER_PORT/readyz"
    start kube-controller-manager "$kube/kube-controller-manager" \
        --kubeconfig "$LAB/controller-manager.kubeconfig" \
        --authentication-kubeconfig "$LAB/controller-manager.kubeconfig" \
        --authorization-kubeconfig "$LAB/controller-manager.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false \
        --service-account-private-key-file "$LAB/pki/sa.key" --root-ca-file "$LAB/pki/ca.crt" \
        --use-service-account-credentials=false \
        --controllers persistentvolume-binder-controller,persistentvolume-attach-detach-controller,persistentvolume-expander-controller,persistentvolume-protection-controller,persistentvolumeclaim-protection-controller,namespace-controller,garbage-collector-controller,serviceaccount-controller,serviceaccount-token-controller,statefulset-controller \
        --pv-recycler-increment-timeout-nfs 0
    wait_for vcsim $((240 + LAB_VMS / 20)) test -s "$LAB/vcsim-ready.json"  # 20,000 VMs: about 6 minutes
    sleep 0.5
    alive kube-controller-manager || { tail -15 "$LAB/log/kube-controller-manager.log" >&2; die "kube-controller-manager exited during start-up (log: $LAB/log/kube-controller-manager.log)"; }
    echo "$LAB_VMS" >"$LAB/run/vms"
    register_nodes
    trap - EXIT INT TERM
    write_env
    say "up in $((SECONDS - t0))s: vcsim https://127.0.0.1:$VCSIM_PORT/sdk ($LAB_VMS background VMs), kube-apiserver https://127.0.0.1:$APISERVER_PORT"
    say "run: source .lab/env"
}

cmd_down() {
    stop_all
    say "stopped"
}

cmd_status() {
    local c
    for c in $COMPONENTS; do
        if alive "$c"; then echo "$c: running (pid $(pid_of "$c"))"; else echo "$c: stopped"; fi
    done
    for c in "$LAB/run/$PROC_PREFIX"*.pid; do
        [ -e "$c" ] || continue
        c=${c##*/}; c=${c%.pid}
        if alive "$c"; then echo "${c#"$PROC_PREFIX"}: running (pid $(pid_of "$c"))"; fi
    done
}

# Programs the lab runs on demand (the cloud controller, later the CSI driver): started by name, one of each at a
# time, pid in .lab/run/NAME.pid, output in .lab/log/NAME.log, stopped with the lab.
PROC_PREFIX=proc-
proc_start() { # name cmd...
    local name=$1; shift
    proc_stop "$name"
    start "$PROC_PREFIX$name" "$@"
}
proc_stop() { # name: TERM, then KILL after 10s
    local f="$LAB/run/$PROC_PREFIX$1.pid" p
    p=$(cat "$f" 2>/dev/null || true)
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
        kill -TERM "$p" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$f"
}
stop_procs() {
    local f n
    for f in "$LAB/run/$PROC_PREFIX"*.pid; do
        [ -e "$f" ] || continue
        n=${f##*/}; n=${n%.pid}; proc_stop "${n#"$PROC_PREFIX"}"
    done
}

python3_bin() { command -v python3 || echo "$ROOT/.venv/bin/python"; }
labkube() { LAB_ROOT="$LAB" "$(python3_bin)" "$ROOT/lab/labkube.py" "$@"; }

register_nodes() { labkube nodes "$KUBERNETES_VERSION" || die "registering the Nodes failed"; }

# The lab's ports come from .lab/kubeconfig and .lab/vcsim-ready.json here, not from LAB_*_PORT.
running() { alive kube-apiserver && alive vcsim || die "the lab is not running: lab/lab.sh up"; }

cmd_nodes() {
    running
    register_nodes
}

client_cert() { # name subject: a client certificate of the lab CA, made once
    local d="$LAB/pki"
    [ -f "$d/$1.crt" ] && return 0
    (cd "$d" && openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null &&
        openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile client.ext \
            -out "$1.crt" 2>/dev/null && chmod 600 "$1.key") || die "cannot make the client certificate $1"
}

CCM=cloud-controller-manager
CCM_WAIT="${LAB_CCM_WAIT:-120}"

ccm_start() {
    running
    mkdir -p "$CACHE/bin"
    build_one ccm "$CPI_VERSION" "$(ldflags_of ccm)" k8s.io/cloud-provider-vsphere/cmd/vsphere-cloud-controller-manager
    # It runs as the user the role's ClusterRoleBinding names (cloud-controller-manager), so the role's RBAC is used.
    client_cert "$CCM" "/CN=cloud-controller-manager"
    sed -e "s#$LAB/pki/admin\.#$LAB/pki/$CCM.#g" "$LAB/kubeconfig" >"$LAB/ccm.kubeconfig"
    chmod 600 "$LAB/ccm.kubeconfig"
    local args
    args=$(labkube ccm-prepare "$LAB/ccm") || die "cannot read back what the cloud_controller role installed"
    local -a argv
    mapfile -t argv <<<"$args"
    # Outside a pod: the lab's kubeconfig where the pod has its service account (also for the delegated
    # authentication and authorization of its health and metrics endpoint, as in-cluster); that endpoint on a free
    # loopback port instead of 10258 (several labs share a machine); no leader election (one controller per lab).
    local port
    port=$("$(python3_bin)" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" >"$LAB/run/$CCM.port"
    proc_start "$CCM" "$(bin_dir ccm "$CPI_VERSION")/vsphere-cloud-controller-manager" "${argv[@]}" \
        --kubeconfig "$LAB/ccm.kubeconfig" --authentication-kubeconfig "$LAB/ccm.kubeconfig" \
        --authorization-kubeconfig "$LAB/ccm.kubeconfig" --bind-address 127.0.0.1 --secure-port "$port" \
        --leader-elect=false
    say "started the vSphere cloud controller manager $CPI_VERSION: ${argv[*]} (log: $LAB/log/$PROC_PREFIX$CCM.log)"
}

ccm_wait() {
    labkube wait-nodes "$CCM_WAIT" "$LAB/run/$PROC_PREFIX$CCM.pid" "$LAB/log/$PROC_PREFIX$CCM.log"
}

cmd_ccm() {
    case "${1:-run}" in
        start) ccm_start ;;
        wait) ccm_wait ;;
        stop) proc_stop "$CCM"; say "stopped the cloud controller manager" ;;
        run)
            local t0=$SECONDS rc=0
            ccm_start
            ccm_wait || rc=$?
            proc_stop "$CCM"
            [ $rc = 0 ] || die "the cloud controller did not initialize the Nodes"
            say "the cloud controller initialized every Node in $((SECONDS - t0))s; stopped it"
            ;;
        *) die "usage: lab/lab.sh ccm [start|wait|stop]" ;;
    esac
}

CSI_PROCS="csi-controller csi-provisioner csi-attacher"
CSI_METRICS_PORT=2112 # the controller's metrics, on every interface, hard-coded upstream

csi_module_dir() { (cd "$ROOT/lab/go/csi/driver" && go list -m -f '{{.Dir}}' sigs.k8s.io/vsphere-csi-driver/v3); }

csi_start() {
    running
    mkdir -p "$CACHE/bin"
    csi_build
    local n
    for n in $CSI_PROCS; do proc_stop "$n"; done
    port_free "$CSI_METRICS_PORT" || die "port $CSI_METRICS_PORT (the CSI controller's metrics, hard-coded upstream) is taken: another lab's CSI controller runs on this machine ('lab/lab.sh csi stop' in that lab)"
    # They run as the ServiceAccounts the role's bindings name, so the role's RBAC is what they get.
    local sa="system:serviceaccount:vmware-system-csi:vsphere-csi-controller"
    client_cert csi-controller "/O=system:serviceaccounts/O=system:serviceaccounts:vmware-system-csi/CN=$sa"
    sed -e "s#$LAB/pki/admin\.#$LAB/pki/csi-controller.#g" "$LAB/kubeconfig" >"$LAB/csi.kubeconfig"
    chmod 600 "$LAB/csi.kubeconfig"
    rm -rf "$LAB/csi" && mkdir -p "$LAB/csi" && chmod 700 "$LAB/csi"
    local sock="$LAB/csi/csi.sock" conf
    conf=$(labkube csi-prepare "$LAB/csi" "$sock") || die "cannot read back what the csi_driver role installed"
    # The syncer creates the CSINodeTopology CRD the controller watches; the lab runs no syncer: create it from the
    # driver's module as the syncer would.
    local mod; mod=$(csi_module_dir) || die "cannot find the vSphere CSI driver's Go module (go mod download in lab/go/csi/driver)"
    labkube apply-yaml "$mod/pkg/internalapis/csinodetopology/config/cns.vmware.com_csinodetopologies.yaml" ||
        die "cannot create the CSINodeTopology CRD"
    local -a argv env
    mapfile -t argv <"$LAB/csi/vsphere-csi-controller.args"
    mapfile -t env <"$LAB/csi/vsphere-csi-controller.env"
    # Outside a pod: the config file where the pod mounts the Secret, the socket in .lab/csi, the lab's kubeconfig
    # where the pod has its service account; CLUSTER_FLAVOR as the pod's default (VANILLA).
    proc_start csi-controller env "${env[@]}" VSPHERE_CSI_CONFIG="$conf" CSI_ENDPOINT="unix://$sock" \
        KUBECONFIG="$LAB/csi.kubeconfig" CLUSTER_FLAVOR=VANILLA X_CSI_MODE=controller \
        "$(bin_dir csi-driver "$CSI_VERSION")/vsphere-csi" "${argv[@]}" --kubeconfig "$LAB/csi.kubeconfig"
    local deadline=$((SECONDS + 60))
    while [ ! -S "$sock" ]; do
        if ! alive "${PROC_PREFIX}csi-controller" || [ $SECONDS -ge $deadline ]; then
            tail -20 "$LAB/log/${PROC_PREFIX}csi-controller.log" >&2
            csi_stop
            die "the CSI controller did not open its socket (log: $LAB/log/${PROC_PREFIX}csi-controller.log)"
        fi
        sleep 0.2
    done
    # Provisioner: the role pins csi-provisioner v4.0.1, whose Topology gate is off unless the role turns it on
    # (csi_driver_topology adds --feature-gates=Topology=true); v6 has it on by default and then needs topology keys
    # on the CSINodes (none here: no topology-categories). So: the role's gate, else v4's default; and no topology
    # on immediate binding either way.
    mapfile -t argv <"$LAB/csi/csi-provisioner.args"
    local gate=--feature-gates=Topology=false a
    for a in "${argv[@]}"; do case "$a" in --feature-gates=*Topology=*) gate= ;; esac; done
    proc_start csi-provisioner "$(bin_dir csi-provisioner "$CSI_PROVISIONER_VERSION")/csi-provisioner" "${argv[@]}" \
        ${gate:+"$gate"} --kubeconfig "$LAB/csi.kubeconfig" --immediate-topology=false
    mapfile -t argv <"$LAB/csi/csi-attacher.args"
    proc_start csi-attacher "$(bin_dir csi-attacher "$CSI_ATTACHER_VERSION")/csi-attacher" "${argv[@]}" \
        --kubeconfig "$LAB/csi.kubeconfig"
    sleep 1
    for n in $CSI_PROCS; do
        alive "$PROC_PREFIX$n" || { tail -20 "$LAB/log/$PROC_PREFIX$n.log" >&2; csi_stop; die "$n exited during start-up (log: $LAB/log/$PROC_PREFIX$n.log)"; }
    done
    say "started the vSphere CSI driver $CSI_VERSION controller, csi-provisioner $CSI_PROVISIONER_VERSION, csi-attacher $CSI_ATTACHER_VERSION (logs: $LAB/log/${PROC_PREFIX}csi-*.log)"
}

csi_stop() {
    local n
    for n in $CSI_PROCS; do proc_stop "$n"; done
}

cmd_csi() {
    case "${1:-}" in
        start) csi_start ;;
        stop) csi_stop; say "stopped the CSI controller and its sidecars" ;;
        status)
            local n
            for n in $CSI_PROCS; do
                if alive "$PROC_PREFIX$n"; then echo "$n: running (pid $(pid_of "$PROC_PREFIX$n"))"; else echo "$n: stopped"; fi
            done
            ;;
        *) die "usage: lab/lab.sh csi start|stop|status" ;;
    esac
}

case "${1:-up}" in
    build) mkdir -p "$LAB"; cmd_build ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    nodes) cmd_nodes ;;
    ccm) shift; cmd_ccm "$@" ;;
    csi) shift; cmd_csi "$@" ;;
    rtt) [[ "${2:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "usage: lab/lab.sh rtt MILLISECONDS"
         running; echo "$2" >"$LAB/vcsim-rtt"; say "vcsim round trip: $2 ms for new connections" ;;
    *) die "usage: lab/lab.sh build|up|down|status|nodes|ccm|csi|rtt" ;;
esac
