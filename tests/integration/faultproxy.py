"""A TCP proxy on 127.0.0.1 that can play a server stopped (or fallen silent) in the middle of a run.

It forwards bytes both ways (TLS passes through untouched: the lab's certificate names 127.0.0.1, whatever the
port), so the simulator behind keeps its state while clients see it go away and come back:

    proxy = FaultProxy(vcsim_port).start()
    proxy.cut_when(lambda: trace.count("CreateVirtualDisk_Task") >= 4)  # or cut_after(n) or cut() now
    ... run something against proxy.port: it sees its connections reset and new ones refused ...
    proxy.resume()                                                     # "vCenter was restarted"

cut(): every open connection is reset and the port is closed (connection refused), as when the server stops.
freeze(): connections are accepted and held, nothing is forwarded, as when the server hangs.
A trigger (cut_when, cut_after) is checked before each client chunk and each new connection is forwarded: the
request that finds it true never reaches the server.
"""

import json
import os
import socket
import struct
import threading
import time


class FaultProxy:
    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = None
        self.connections = 0  # accepted since start
        self.cuts = 0
        self._listener = None
        self._lock = threading.Lock()
        self._socks = set()
        self._flowing = threading.Event()
        self._flowing.set()
        self._down = False
        self._trigger = None
        self._stop = False
        self._threads = []

    # -- control ---------------------------------------------------------------------------------------
    def start(self):
        self._listen(0)
        return self

    def cut(self):
        """Reset every connection and refuse new ones until resume()."""
        with self._lock:
            if self._down:
                return
            self._down = True
            self._trigger = None
            self.cuts += 1
            listener, self._listener = self._listener, None
            socks, self._socks = list(self._socks), set()
        if listener is not None:
            try:  # stop listening now, even while the accept thread still holds the socket
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        for s in socks:
            _reset(s)
        self._flowing.set()

    def freeze(self):
        """Accept and hold connections; forward nothing until resume()."""
        self._flowing.clear()

    def resume(self):
        """Forward again; after a cut, listen again on the same port."""
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            self._listen(self.port)
        self._flowing.set()

    def cut_when(self, predicate):
        """Cut as soon as predicate() is true, checked before every forwarded client chunk and connection."""
        self._trigger = predicate

    def cut_after(self, connections):
        """Cut when the client opens connection number `connections` + 1 (the first `connections` pass)."""
        start = self.connections
        self.cut_when(lambda: self.connections - start > connections)

    @property
    def down(self):
        return self._down

    def close(self):
        self._stop = True
        self.cut()
        for t in self._threads:
            t.join(timeout=2)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- plumbing --------------------------------------------------------------------------------------
    def _listen(self, port):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(64)
        sock.settimeout(0.05)
        self.port = sock.getsockname()[1]
        with self._lock:
            self._listener = sock
        t = threading.Thread(target=self._accept_loop, args=(sock,), daemon=True)
        t.start()
        self._threads.append(t)

    def _check_trigger(self):
        trigger = self._trigger
        if trigger is not None and not self._down:
            try:
                fire = trigger()
            except Exception:  # pylint: disable=broad-except
                fire = False
            if fire:
                self.cut()
                return True
        return self._down

    def _accept_loop(self, listener):
        while not self._stop:
            try:
                client = listener.accept()[0]
            except socket.timeout:
                if self._listener is not listener:
                    return
                continue
            except OSError:
                return
            self.connections += 1
            client.settimeout(None)
            if self._check_trigger():
                _reset(client)
                continue
            with self._lock:
                self._socks.add(client)
            t = threading.Thread(target=self._connect, args=(client,), daemon=True)
            t.start()

    def _connect(self, client):
        self._flowing.wait()
        try:
            server = socket.create_connection(self.target, timeout=10)
            server.settimeout(None)
        except OSError:
            _reset(client)
            return
        with self._lock:
            if self._down:
                _reset(server)
                _reset(client)
                return
            self._socks.add(server)
        threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
        self._pump(server, client, False)

    def _pump(self, src, dst, from_client):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self._flowing.wait()
                if from_client and self._check_trigger():
                    break
                if self._down:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _reset(sock):
    """Close with a TCP reset, as a stopped server's kernel does for a connection with data in flight."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class JsonLines:
    """New JSON lines of a growing log (the vcsim trace, the apiserver audit log), read incrementally."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path)
        self.entries = []
        self._rest = b""
        self._lock = threading.Lock()

    def read(self):
        with self._lock:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
            self.offset += len(data)
            data = self._rest + data
            lines = data.split(b"\n")
            self._rest = lines.pop()
            for line in lines:
                if line.strip():
                    try:
                        self.entries.append(json.loads(line))
                    except ValueError:
                        pass
            return self.entries

    def count(self, match):
        """How many entries so far match (a predicate on the entry dict)."""
        return sum(1 for e in self.read() if match(e))


def soap_method(*names):
    return lambda e: e.get("kind") == "soap" and e.get("method") in names


def audit_write(resource=None, verbs=("create", "update", "patch", "delete")):
    """A persisted write (no dry run) seen by the apiserver, optionally on one resource (plural)."""
    def match(e):
        return (e.get("stage") == "ResponseComplete" and e.get("verb") in verbs
                and "dryRun=All" not in e.get("requestURI", "")
                and (resource is None or e.get("objectRef", {}).get("resource") == resource))
    return match


def wait_until(predicate, timeout=30.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
