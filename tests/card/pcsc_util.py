#!/usr/bin/python3
"""Small PC/SC helper for harness.sh (python3-pyscard, talks to the running pcscd).

  pcsc_util.py readers                       list reader names, one a line
  pcsc_util.py wait-readers TIMEOUT_S [--unless-log FILE TEXT]
                                             wait until both vpcd readers are listed (giving up
                                             at once when FILE comes to hold TEXT)
  pcsc_util.py wait-port-free PORT TIMEOUT_S wait until a TCP port on this machine can be bound
                                             (vpcd's: the last pcscd may still hold it while it
                                             exits)
  pcsc_util.py wait READER present|absent TIMEOUT_S
                                             wait until the card in vpcd reader 0/1 is present
                                             or absent; prints the elapsed milliseconds
Exit status: 0 done, 1 timed out, 2 pcscd not reachable.
"""

import socket
import sys
import time

from smartcard import scard


def vpcd_reader_name(readers, index):
    """`Virtual PCD 00 00` is vpcd port 35963 (index 0), `Virtual PCD 00 01` port 35964."""
    suffix = "00 %02d" % index
    for name in readers:
        if name.startswith("Virtual PCD") and name.endswith(suffix):
            return name
    return None


def list_readers(ctx):
    hresult, readers = scard.SCardListReaders(ctx, [])
    if hresult != scard.SCARD_S_SUCCESS:
        return []
    return list(readers)


def establish():
    hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        sys.stderr.write("pcsc_util: no pcscd (%s)\n" % scard.SCardGetErrorMessage(hresult))
        sys.exit(2)
    return ctx


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    cmd = argv[0]
    start = time.monotonic()
    if cmd == "readers":
        ctx = establish()
        for r in list_readers(ctx):
            print(r)
        return 0
    if cmd == "wait-port-free":
        port, deadline = int(argv[1], 0), start + float(argv[2])
        while True:
            # Bound as vpcd binds it, without SO_REUSEADDR: a connection the last pcscd closed
            # first stays in TIME_WAIT on the port for a minute, which a socket with SO_REUSEADDR
            # may bind through but vpcd cannot ("Address already in use").
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                probe.bind(("0.0.0.0", port))
                return 0
            except OSError:
                if time.monotonic() > deadline:
                    return 1
                time.sleep(0.2)
            finally:
                probe.close()
    if cmd == "wait-readers":
        deadline = start + float(argv[1])
        unless = argv[3:5] if len(argv) >= 5 and argv[2] == "--unless-log" else None
        while True:
            if unless:
                try:
                    with open(unless[0], encoding="utf-8", errors="replace") as log:
                        if unless[1] in log.read():
                            return 1
                except OSError:
                    pass
            hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult == scard.SCARD_S_SUCCESS:
                readers = list_readers(ctx)
                scard.SCardReleaseContext(ctx)
                if vpcd_reader_name(readers, 0) and vpcd_reader_name(readers, 1):
                    print("%.0f" % ((time.monotonic() - start) * 1000))
                    return 0
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.05)
    if cmd == "wait":
        index, want, timeout = int(argv[1]), argv[2], float(argv[3])
        ctx = establish()
        name = vpcd_reader_name(list_readers(ctx), index)
        if name is None:
            sys.stderr.write("pcsc_util: vpcd reader %d not listed\n" % index)
            return 2
        flag = scard.SCARD_STATE_PRESENT
        states = [(name, scard.SCARD_STATE_UNAWARE)]
        deadline = start + timeout
        while True:
            left_ms = int(max(0, deadline - time.monotonic()) * 1000)
            hresult, states = scard.SCardGetStatusChange(ctx, left_ms, states)
            if hresult not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
                sys.stderr.write("pcsc_util: %s\n" % scard.SCardGetErrorMessage(hresult))
                return 2
            present = bool(states[0][1] & flag)
            if present == (want == "present"):
                print("%.0f" % ((time.monotonic() - start) * 1000))
                return 0
            if hresult == scard.SCARD_E_TIMEOUT or time.monotonic() >= deadline:
                return 1
            states = [(n, s & ~scard.SCARD_STATE_CHANGED, a) for n, s, a in states]
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
