"""The lab's promises about failures: a port in use is named, the exit code is non-zero, nothing is left running."""

import os
import shutil
import socket
import subprocess

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
