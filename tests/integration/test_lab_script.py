"""The lab's promises about failures: a port in use is named, the exit code is non-zero, nothing is left running."""

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import time

from conftest import ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_taken_port_is_named_and_nothing_is_left_running(tmp_path):
    # A copy of the lab scripts: its own .lab next to it, the same build cache (nothing is rebuilt).
    shutil.copytree(os.path.join(ROOT, "lab"), tmp_path / "lab")
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    env = dict(os.environ, LAB_VCSIM_PORT=str(free_port()), LAB_APISERVER_PORT=str(port),
               LAB_ETCD_PORT=str(free_port()))
    try:
        proc = subprocess.run(["bash", str(tmp_path / "lab" / "lab.sh"), "up"], env=env, capture_output=True,
                              text=True, timeout=600, check=False)
    finally:
        taken.close()
    assert proc.returncode != 0
    assert "port %d on 127.0.0.1, wanted by kube-apiserver, is taken" % port in proc.stderr, proc.stderr
    run_dir = tmp_path / ".lab" / "run"
    assert not list(run_dir.glob("*.pid")) if run_dir.exists() else True


def test_a_failed_build_is_named_and_exits_non_zero(tmp_path):
    shutil.copytree(os.path.join(ROOT, "lab"), tmp_path / "lab")
    with open(tmp_path / "lab" / "go" / "vcsim" / "main.go", "a") as f:
        f.write("\nthis is not Go\n")
    env = dict(os.environ, LAB_CACHE=str(tmp_path / "cache"), LAB_VCSIM_PORT=str(free_port()),
               LAB_APISERVER_PORT=str(free_port()), LAB_ETCD_PORT=str(free_port()))
    proc = subprocess.run(["bash", str(tmp_path / "lab" / "lab.sh"), "up"], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode != 0
    assert "the build of vcsim v0.56.0 failed" in proc.stderr, proc.stderr
    assert not (tmp_path / ".lab" / "run" / "vcsim.pid").exists()


def _soap_round_trips_seconds(n):
    """Seconds for one fresh TLS connection and n SOAP requests on it (RetrieveServiceContent)."""
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv='
            '"http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveServiceContent xmlns="urn:vim25">'
            '<_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></soapenv:Body>'
            '</soapenv:Envelope>')
    ctx = ssl.create_default_context(cafile=os.environ["VMWARE_CA_BUNDLE"])
    t0 = time.monotonic()
    conn = http.client.HTTPSConnection(os.environ["VMWARE_HOST"], int(os.environ["VMWARE_PORT"]), context=ctx)
    for _i in range(n):
        conn.request("POST", "/sdk", body, {"Content-Type": "text/xml", "SOAPAction": "urn:vim25/8.0.3.0"})
        resp = conn.getresponse()
        assert resp.status == 200 and b"ServiceContent" in resp.read()
    conn.close()
    return time.monotonic() - t0


def test_the_link_in_front_of_vcsim_costs_each_round_trip_the_configured_time():
    # LAB_RTT_MS / lab/lab.sh rtt: every byte crossing the link waits half the round trip in each direction, so a
    # fresh connection (TCP and TLS handshakes) and each request pay at least one round trip.
    rtt_file = os.environ["LAB_VCSIM_RTT"]
    with open(rtt_file) as f:
        before = f.read()
    try:
        subprocess.run(["bash", os.path.join(ROOT, "lab", "lab.sh"), "rtt", "60"], check=True, capture_output=True)
        delayed = _soap_round_trips_seconds(5)
    finally:
        with open(rtt_file, "w") as f:
            f.write(before)
    # TCP handshake + TLS handshake + 5 requests: at least 7 round trips of 60 ms.
    assert delayed >= 7 * 0.060, delayed
    assert _soap_round_trips_seconds(5) < delayed


def test_the_round_trip_is_refused_unless_a_number():
    proc = subprocess.run(["bash", os.path.join(ROOT, "lab", "lab.sh"), "rtt", "20ms"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode != 0 and "usage: lab/lab.sh rtt MILLISECONDS" in proc.stderr
