#!/usr/bin/python3
"""A runner that reports what it observes of the core that started it, then exits 3.

It takes both channels, waits for the core's first request (by then the core has sent
everything it sends at start-up), and writes one line to stderr:
  probe: bootstrap=open|closed channels=nonblocking|blocking cuda=<CUDA_VISIBLE_DEVICES>
         dir=<name of the bootstrap socket's directory, XXXXXX replaced>
carton's core keeps the bootstrap connection open for the runner's life, hands the
channels over non-blocking, sets CUDA_VISIBLE_DEVICES="" without a GPU and puts the
socket in a tempfile dir `.tmpXXXXXX`; test_carton_conformance.py checks that the mock
core does the same.
"""
import os
import re
import socket
import struct
import sys

path = sys.argv[sys.argv.index("--uds-path") + 1]
boot = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
boot.connect(path)
fds, pending_ids, pending_fds = {}, [], []
buffered = b""
while len(fds) < 2:
    data, ancillary, _, _ = boot.recvmsg(8, socket.CMSG_SPACE(4))
    if not data and not ancillary:
        sys.exit("probe: bootstrap closed before both channels came")
    buffered += data
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            pending_fds.append(struct.unpack("i", payload[:4])[0])
    while len(buffered) >= 8:
        pending_ids.append(struct.unpack("<Q", buffered[:8])[0])
        buffered = buffered[8:]
    while pending_ids and pending_fds:
        fds[pending_ids.pop(0)] = pending_fds.pop(0)
rpc = fds[0]
nonblocking = not os.get_blocking(rpc) and not os.get_blocking(fds[1])
os.set_blocking(rpc, True)
os.read(rpc, 8)  # the first request's frame header
try:
    state = "closed" if boot.recv(1, socket.MSG_DONTWAIT) == b"" else "data"
except BlockingIOError:
    state = "open"
directory = re.sub(r"[A-Za-z0-9]{6}$", "XXXXXX", os.path.basename(os.path.dirname(path)))
print("probe: bootstrap=%s channels=%s cuda=%r dir=%s" % (
    state, "nonblocking" if nonblocking else "blocking", os.environ.get("CUDA_VISIBLE_DEVICES"), directory),
    file=sys.stderr, flush=True)
sys.exit(3)
