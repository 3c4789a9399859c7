"""Ray tests run inside a network namespace that holds only loopback (issue 38).

In this machine's own network namespace even a local ``ray.init()`` binds to the host's external
address and first probes a public resolver to find it. Inside ``unshare -n`` (then ``ip link set lo
up``) Ray binds 127.0.0.1 and can reach nothing else. ``tests/test_ray_netns.py`` runs the Ray test
modules that way, in a PID namespace too (``-p -f --mount-proc``), so every Ray process a test starts
(a two-node cluster's raylets included) ends with the namespace, and with a private ``/tmp/ray``. The Ray modules mark themselves to
run only there when the machine can make such a namespace (root, util-linux's ``unshare``,
iproute2's ``ip``); where it cannot, they run in place and the cluster tests, which would have to
``ray stop`` the whole machine, do not run.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator

import pytest

IN_NETNS = os.environ.get("TOOLPROOF_IN_NETNS") == "1"
UNSHARE = ["unshare", "-n", "-p", "-f", "--mount-proc"]


@functools.cache
def free_port() -> int:
    """A TCP port free on the loopback interface (for a server a test starts there)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for as long as the block runs: bound, never
    listening, so no server a test started (a Ray cluster opens many ports) can take it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def can_isolate() -> bool:
    """This machine can run a command in a new loopback-only network and PID namespace."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    try:
        return subprocess.run([*UNSHARE, "sh", "-c", SETUP], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def only_loopback() -> bool:
    """No network interface but ``lo`` in this process's network namespace (/sys/class/net would
    still list the host's: it is not remounted with the namespace)."""
    import socket

    return {name for _, name in socket.if_nameindex()} <= {"lo"}


#: the shell the wrapper runs the Ray modules in: loopback up, and Ray's /tmp/ray private to the
#: namespace (a `ray start` elsewhere on the machine leaves /tmp/ray/ray_current_cluster, which a plain
#: `ray.init()` would try to join)
SETUP = "ip link set lo up && mkdir -p /tmp/ray && mount -t tmpfs tmpfs /tmp/ray"


#: for the Ray modules: run inside the namespace the wrapper makes, never twice
ray_in_netns = pytest.mark.skipif(
    not IN_NETNS and can_isolate(), reason="run by tests/test_ray_netns.py in a loopback-only network namespace"
)
#: for tests that start and stop a Ray cluster of their own: only where `ray stop` reaches no one else's Ray
own_cluster = pytest.mark.skipif(not (IN_NETNS and only_loopback()), reason="needs the isolated namespace")
