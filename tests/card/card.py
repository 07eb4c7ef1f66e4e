#!/usr/bin/python3
"""V&M Check test smartcard: a virtual NHS-style smartcard for pcscd's vpcd driver.

Run with /usr/bin/python3 (Debian's python3-virtualsmartcard, python3-cryptography and
python3-pycryptodome live there, not in a pyenv python). One process = one card: it connects to
vpcd (inserting the card into "Virtual PCD 00 00" or "00 01"), prints one line
`READY <reader> <profile> <uuid-or-dash>` on stdout, answers APDUs, and exits when it gets
SIGTERM/SIGINT (the card is removed), when vpcd closes the socket, or after --pull-after N APDUs.

Two profiles expose the same X.509 authentication certificate (subject O=nhs, OU=People,
CN=<UUID>, signed by a cached test CA) behind a PIN:
  piv   NIST SP 800-73: SELECT AID A0 00 00 03 08 00 00 10 00 01 00, VERIFY P2=80 (PIN padded
        with FF to 8 bytes), GET DATA 5FC105 -> 53 { 70 <DER> 71 01 00 FE 00 } chained with 61xx.
  file  ISO 7816-4 file system: SELECT DF by AID F0 4E 48 53 49 44 01 (F0 "NHSID" 01, a
        proprietary unregistered AID), VERIFY P2=81, SELECT EF C1 01, READ BINARY in chunks
        (6Cxx when Le asks for more than is left).
README.md beside this file has the full APDU table.

Design choice (why not the stock `vicc`/VirtualICC loop): the library's classes are used for what
they do well -- `MF`/`DF`/`TransparentStructureEF` hold the file system and do SELECT resolution
(by AID incl. right-truncated AIDs, by FID, by path, short EF ids), `Iso7816OS` builds the ATR
and is the base of the card OS, a `SAM` subclass does VERIFY, `C_APDU` parses APDUs, `SW`/`SwError`
carry status words. Three parts are our own, because the library fights us there:
  * the vpcd socket loop: `VirtualICC.__init__` builds a CardGenerator card we don't want, its
    receive loop is name-mangled private (no place to set TCP_QUICKACK before each recv, to count
    APDUs for --pull-after, or to print READY), and it does not loop on short reads. The vpcd
    protocol is tiny (2-byte big-endian length + payload; 1-byte payloads 0/1/2/4 are power
    off/on/reset/get-ATR), so `VpcdLink` below is ~50 lines.
  * `execute`: `Iso7816OS.formatResult` answers READ BINARY past the end with 6282 instead of
    6Cxx, caps 61xx at 61FF, and a case-3 command with data to return yields 61xx with no data;
    we need exact, documented behaviour, so dispatch and response chaining are ours.
  * TLV encoding: `TLVutils.pack` breaks on Python 3 (RECIPES), so FCI/APT/PIV objects are
    encoded by the small `tlv()` below.
Library quirks handled at import: it installs under /usr/lib/python3/site-packages/virtualsmartcard
(not on sys.path) and imports `Crypto` while Debian ships `Cryptodome`; SW_MESSAGES lacks 63Cx.
"""

import argparse
import datetime
import os
import re
import signal
import socket
import struct
import sys
import tempfile
import time

# --- the virtualsmartcard library, as Debian installs it ------------------------------------
VSC_PATH = "/usr/lib/python3/site-packages/virtualsmartcard"
if VSC_PATH not in sys.path:
    sys.path.insert(0, VSC_PATH)
try:
    import Crypto  # noqa: F401  (PyCrypto or pycryptodome under its classic name)
except ImportError:
    import Cryptodome
    import Cryptodome.Cipher
    import Cryptodome.Hash
    sys.modules.setdefault("Crypto", Cryptodome)
    sys.modules.setdefault("Crypto.Cipher", Cryptodome.Cipher)
    sys.modules.setdefault("Crypto.Hash", Cryptodome.Hash)

from virtualsmartcard.SWutils import SW, SW_MESSAGES, SwError  # noqa: E402
from virtualsmartcard.SmartcardFilesystem import DF, MF, TransparentStructureEF  # noqa: E402
from virtualsmartcard.SmartcardSAM import SAM  # noqa: E402
from virtualsmartcard.VirtualSmartcard import (  # noqa: E402
    VPCD_CTRL_ATR, VPCD_CTRL_OFF, VPCD_CTRL_ON, VPCD_CTRL_RESET, Iso7816OS)
from virtualsmartcard.utils import C_APDU  # noqa: E402

for _i in range(16):
    SW_MESSAGES.setdefault(0x63C0 + _i, "Warning: verification failed, %d tries left" % _i)
for _i in range(256):
    SW_MESSAGES.setdefault(0x6100 + _i, "Normal processing (%d bytes still available)" % _i)
    SW_MESSAGES.setdefault(0x6C00 + _i, "Wrong Le field (%d bytes available)" % _i)

PIV_AID = bytes.fromhex("A000000308000010000100")
FILE_AID_DEFAULT = "F04E4853494401"                    # F0 'NHSID' 01
VPCD_PORTS = {0: 35963, 1: 35964}
APP_DF_FID = 0x4E48                                    # 'NH', the application DF's FID
PIV_CERT_TAG = bytes.fromhex("5FC105")                 # X.509 Certificate for PIV Authentication

SW_OK = 0x9000


# --- small helpers --------------------------------------------------------------------------
def tlv(tag, value):
    """BER-TLV with definite length (short form, 81 xx or 82 xx xx)."""
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return tag + length + value


def sw_bytes(sw):
    return bytes([sw >> 8, sw & 0xFF])


def parse_hex(text):
    return bytes.fromhex(re.sub(r"[\s:]", "", text))


# --- certificate ----------------------------------------------------------------------------
def _name_attr(oid, value):
    from cryptography import x509
    from cryptography.x509.name import _ASN1Type
    printable = re.fullmatch(r"[A-Za-z0-9 '()+,\-./:=?]*", value) is not None
    if printable and oid != x509.NameOID.COUNTRY_NAME:
        return x509.NameAttribute(oid, value, _ASN1Type.PrintableString)
    return x509.NameAttribute(oid, value)


SUBJECT_KEYS = {
    "C": "COUNTRY_NAME", "O": "ORGANIZATION_NAME", "OU": "ORGANIZATIONAL_UNIT_NAME",
    "CN": "COMMON_NAME", "GN": "GIVEN_NAME", "SN": "SURNAME", "L": "LOCALITY_NAME",
    "ST": "STATE_OR_PROVINCE_NAME", "serialNumber": "SERIAL_NUMBER", "title": "TITLE",
}


def parse_subject(text):
    """`/O=nhs/OU=People/CN=555021935107` -> list of (oid, value), first = first RDN."""
    from cryptography import x509
    out = []
    for part in text.strip("/").split("/"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or key not in SUBJECT_KEYS:
            raise ValueError("bad --subject part %r (known keys: %s)"
                             % (part, ", ".join(SUBJECT_KEYS)))
        out.append((getattr(x509.NameOID, SUBJECT_KEYS[key]), value))
    return out


def subject_rdns(cfg):
    from cryptography import x509
    oid = x509.NameOID
    if cfg.subject:
        return parse_subject(cfg.subject)
    rdns = []
    if cfg.country:
        rdns.append((oid.COUNTRY_NAME, cfg.country))
    rdns += [(oid.ORGANIZATION_NAME, "nhs"), (oid.ORGANIZATIONAL_UNIT_NAME, cfg.ou)]
    rdns.append((oid.COMMON_NAME, cfg.name if cfg.no_uuid else cfg.uuid))
    if cfg.name and not cfg.no_uuid:
        given, _, family = cfg.name.rpartition(" ")
        if given:
            rdns.append((oid.GIVEN_NAME, given))
        rdns.append((oid.SURNAME, family))
    return rdns


def _load_or_make_key(path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    try:
        with open(path, "rb") as f:
            return serialization.load_pem_private_key(f.read(), password=None)
    except FileNotFoundError:
        pass
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _atomic_write(path, pem)
    return key


def _atomic_write(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)   # concurrent cards starting at once: last writer wins, both valid


def load_test_ca(cache_dir):
    """The test CA (O=nhs, OU=CA, CN=VM Check Test SubCA), made once and cached."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    key = _load_or_make_key(os.path.join(cache_dir, "ca-key.pem"))
    cert_path = os.path.join(cache_dir, "ca-cert.pem")
    try:
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        if cert.public_key().public_numbers() == key.public_key().public_numbers():
            return key, cert
    except FileNotFoundError:
        pass
    oid = x509.NameOID
    name = x509.Name([_name_attr(oid.ORGANIZATION_NAME, "nhs"),
                      _name_attr(oid.ORGANIZATIONAL_UNIT_NAME, "CA"),
                      _name_attr(oid.COMMON_NAME, "VM Check Test SubCA")])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365 * 30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                         False, False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))
    _atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def not_after(cfg):
    if cfg.expires:
        day = datetime.date.fromisoformat(cfg.expires)
        return datetime.datetime(day.year, day.month, day.day, 23, 59, 59,
                                 tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return now + datetime.timedelta(days=cfg.expires_in_days)


def make_certificate(cfg):
    """RSA-2048 end-entity certificate for the card holder; returns its DER."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    os.makedirs(cfg.cache_dir, mode=0o700, exist_ok=True)
    ca_key, ca_cert = load_test_ca(cfg.cache_dir)
    key = _load_or_make_key(os.path.join(cfg.cache_dir, "card-key.pem"))
    end = not_after(cfg)
    start = min(datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                - datetime.timedelta(days=1), end - datetime.timedelta(days=730))
    subject = x509.Name([_name_attr(o, v) for o, v in subject_rdns(cfg)])
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                         False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


# --- the card -------------------------------------------------------------------------------
class PinSAM(SAM):
    """VERIFY with a real try counter (63Cx), blocking (6983) and the PIV/ISO tries query."""

    def __init__(self, cfg, mf):
        SAM.__init__(self, cfg.pin.encode("ascii"), None, mf)
        self.cfg = cfg
        self.counter = cfg.tries
        self.verified = False

    def verify(self, p1, p2, data):
        cfg = self.cfg
        if cfg.profile == "piv" and p1 == 0xFF and not data and p2 == cfg.pin_ref:
            self.verified = False                      # SP 800-73-4: reset security status
            return SW_OK, b""
        if p1 != 0x00:
            raise SwError(SW["ERR_INCORRECTP1P2"])    # 6A86
        if p2 != cfg.pin_ref:
            raise SwError(SW["ERR_DATANOTFOUND"])     # 6A88 reference data not found
        if not data:                                   # tries query: spends nothing
            if self.counter == 0:
                raise SwError(SW["ERR_AUTHBLOCKED"])
            if self.verified:
                return SW_OK, b""
            raise SwError(0x63C0 + self.counter)
        if self.counter == 0:
            raise SwError(SW["ERR_AUTHBLOCKED"])      # 6983, for the right PIN too
        if cfg.profile == "piv":
            if len(data) != 8:
                raise SwError(SW["ERR_INCORRECTPARAMETERS"])  # 6A80, no try spent
        elif len(data) > 16:
            raise SwError(SW["ERR_WRONGLENGTH"])
        if data.rstrip(b"\xff") == self.PIN:
            self.counter = cfg.max_tries
            self.verified = True
            return SW_OK, b""
        self.verified = False
        self.counter -= 1
        if self.counter == 0 and cfg.last_wrong == "6983":
            raise SwError(SW["ERR_AUTHBLOCKED"])
        raise SwError(0x63C0 + self.counter)


class CardOS(Iso7816OS):
    def __init__(self, cfg, cert_der):
        self.cfg = cfg
        self.cert_der = cert_der
        mf = MF()
        aid = PIV_AID if cfg.profile == "piv" else parse_hex(cfg.aid)
        self.app = DF(mf, APP_DF_FID, dfname=aid)
        mf.append(self.app)
        if cfg.profile == "file":
            self.app.append(TransparentStructureEF(self.app, int(cfg.fid, 16), shortfid=1,
                                                   data=cert_der))
        sam = PinSAM(cfg, mf)
        common = {0xA4: self.select, 0x20: self.verify, 0xC0: self.get_response}
        if cfg.profile == "piv":
            common[0xCB] = self.get_data
        else:
            common[0xB0] = self.read_binary
        Iso7816OS.__init__(self, mf, sam, ins2handler=common)
        self.pending = b""
        self.piv_object = tlv(b"\x53", tlv(b"\x70", cert_der) + tlv(b"\x71", b"\x00")
                              + tlv(b"\xFE", b""))

    # power and reset: everything volatile goes (selection, PIN status, pending response)
    def powerUp(self):
        self._reset_state()

    def powerDown(self):
        self._reset_state()

    def reset(self):
        self._reset_state()

    def _reset_state(self):
        self.mf.current = self.mf
        self.SAM.verified = False
        self.pending = b""

    def app_selected(self):
        return self.mf.currentDF() is self.app

    def execute(self, msg):
        if len(msg) > 5 and msg[4] == 0:
            return sw_bytes(SW["ERR_WRONGLENGTH"])     # extended length: not offered by the ATR
        try:
            c = C_APDU(msg)
        except ValueError:
            return sw_bytes(SW["ERR_WRONGLENGTH"])
        if c.ins != 0xC0:
            self.pending = b""
        if c.cla != 0x00:
            if c.cla & 0x10:
                return sw_bytes(SW["ERR_CHAININGNOTSUPPORTED"])   # 6884
            return sw_bytes(0x6E00)                               # class not supported
        handler = self.ins2handler.get(c.ins)
        if handler is None:
            return sw_bytes(SW["ERR_INSNOTSUPPORTED"])            # 6D00
        le = c.effective_Le if hasattr(c, "_Le") else None   # None: no Le field
        try:
            sw, data = handler(c.p1, c.p2, bytes(c.data), le)
        except SwError as e:
            sw, data = e.sw, b""
        return bytes(data) + sw_bytes(sw)

    def chained(self, data, le):
        """First min(Le, 256) bytes now; the rest via GET RESPONSE (61xx, xx=00 means >=256)."""
        n = 256 if le is None else min(le, 256)
        first, rest = data[:n], data[n:]
        self.pending = rest
        if rest:
            return 0x6100 | (len(rest) if len(rest) < 256 else 0), first
        return SW_OK, first

    # 00 A4: SELECT
    def select(self, p1, p2, data, le):
        if p2 not in (0x00, 0x04, 0x0C):
            raise SwError(SW["ERR_INCORRECTP1P2"])
        if p1 == 0x04:
            if not data:
                raise SwError(SW["ERR_FILENOTFOUND"])
        elif self.cfg.profile == "piv":
            raise SwError(SW["ERR_INCORRECTP1P2"])    # PIV: select by AID only
        selected = self.mf._selectFile(p1, p2, data)  # raises 6A82 when not found
        self.mf.current = selected
        if p2 == 0x0C:
            return SW_OK, b""
        if self.cfg.profile == "piv":
            # Application Property Template (SP 800-73-4 part 2, 3.1.1)
            resp = tlv(b"\x61", tlv(b"\x4F", PIV_AID[5:]) +
                       tlv(b"\x79", tlv(b"\x4F", PIV_AID[:5])))
            return self.chained(resp, le)
        return self.chained(self.fcp(selected, fci=(p2 == 0x00)), le)

    def fcp(self, f, fci):
        body = tlv(b"\x83", f.fid.to_bytes(2, "big"))
        if isinstance(f, TransparentStructureEF):
            body = (tlv(b"\x80", len(f.data).to_bytes(2, "big")) + tlv(b"\x82", b"\x01")
                    + body + tlv(b"\x88", bytes([f.shortfid << 3])))
        else:
            body = tlv(b"\x82", b"\x38") + body
            if hasattr(f, "dfname"):
                body += tlv(b"\x84", f.dfname)
        body += tlv(b"\x8A", b"\x05")                   # life cycle: operational, activated
        return tlv(b"\x6F" if fci else b"\x62", body)

    # 00 20: VERIFY
    def verify(self, p1, p2, data, le):
        if not self.app_selected():
            raise SwError(SW["ERR_CONDITIONNOTSATISFIED"])
        return self.SAM.verify(p1, p2, data)

    # 00 C0: GET RESPONSE
    def get_response(self, p1, p2, data, le):
        if p1 or p2:
            raise SwError(SW["ERR_INCORRECTP1P2"])
        if not self.pending:
            raise SwError(SW["ERR_CONDITIONNOTSATISFIED"])
        return self.chained(self.pending, le)

    # 00 CB 3F FF: GET DATA (PIV)
    def get_data(self, p1, p2, data, le):
        if not self.app_selected():
            raise SwError(SW["ERR_CONDITIONNOTSATISFIED"])
        if (p1, p2) != (0x3F, 0xFF):
            raise SwError(SW["ERR_INCORRECTP1P2"])
        if len(data) < 3 or data[0] != 0x5C or data[1] != len(data) - 2:
            raise SwError(SW["ERR_INCORRECTPARAMETERS"])
        if data[2:] != PIV_CERT_TAG:
            raise SwError(SW["ERR_FILENOTFOUND"])
        if not self.SAM.verified:
            raise SwError(SW["ERR_SECSTATUS"])
        return self.chained(self.piv_object, le)

    # 00 B0: READ BINARY (file profile)
    def read_binary(self, p1, p2, data, le):
        if not self.app_selected():
            raise SwError(SW["ERR_CONDITIONNOTSATISFIED"])
        if le is None:
            raise SwError(SW["ERR_WRONGLENGTH"])
        if p1 & 0x80:                                   # short EF identifier in P1
            if p1 & 0x60:
                raise SwError(SW["ERR_INCORRECTP1P2"])
            ef = self.mf.currentDF().select("shortfid", p1 & 0x1F)
            offset = p2
        else:
            ef = self.mf.currentEF()
            if ef is None:
                raise SwError(SW["ERR_NOCURRENTEF"])    # 6986
            offset = (p1 << 8) | p2
        if not self.SAM.verified:
            raise SwError(SW["ERR_SECSTATUS"])
        self.mf.current = ef
        content = ef.data
        if offset >= len(content):
            raise SwError(SW["ERR_OFFSETOUTOFFILE"])   # 6B00
        left = len(content) - offset
        if le > left:
            if self.cfg.short_read == "6c":
                raise SwError(0x6C00 | left)           # re-issue with Le = left
            return SW["WARN_EOFBEFORENEREAD"], content[offset:]   # 6282
        return SW_OK, content[offset:offset + le]


# --- the vpcd link --------------------------------------------------------------------------
class VpcdLink:
    """vpcd's protocol: each message is a 2-byte big-endian length and the payload."""

    def __init__(self, port, quickack, wait_s):
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError as e:
                if time.monotonic() >= deadline:
                    raise SystemExit("card: cannot connect to vpcd on 127.0.0.1:%d (%s); "
                                     "is pcscd running with vsmartcard-vpcd?" % (port, e))
                time.sleep(0.1)
        self.sock.settimeout(None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.quickack = quickack

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            if self.quickack:
                # Linux clears QUICKACK after a while; set it before every read so our ACKs
                # go out at once instead of after the 40 ms delayed-ACK timer.
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def recv(self):
        head = self._recv_exact(2)
        if head is None:
            return None
        (size,) = struct.unpack("!H", head)
        return self._recv_exact(size) if size else b""

    def send(self, payload):
        self.sock.sendall(struct.pack("!H", len(payload)) + payload)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def serve(cfg, card, link, log):
    apdus = 0
    while True:
        msg = link.recv()
        if msg is None:
            log("vpcd closed the connection")
            return 0
        if len(msg) == 1:
            ctrl = msg[0]
            if ctrl == VPCD_CTRL_OFF:
                card.powerDown()
                log("power off")
            elif ctrl == VPCD_CTRL_ON:
                card.powerUp()
                log("power on")
            elif ctrl == VPCD_CTRL_RESET:
                card.reset()
                log("reset")
            elif ctrl == VPCD_CTRL_ATR:
                link.send(card.getATR())
            continue
        if not msg:
            continue
        answer = card.execute(msg)
        link.send(answer)
        apdus += 1
        if cfg.verbose:
            shown = msg[:5].hex() + ("+<pin>" if msg[1] == 0x20 and len(msg) > 5
                                     else msg[5:].hex())
            log("APDU %d: %s -> %s (%d bytes)" % (apdus, shown, answer[-2:].hex(),
                                                   len(answer) - 2))
        if cfg.pull_after and apdus >= cfg.pull_after:
            log("pulled after %d APDUs" % apdus)
            return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description="V&M Check virtual NHS smartcard for vpcd.")
    p.add_argument("--profile", choices=("piv", "file"), default="piv")
    p.add_argument("--reader", type=int, choices=(0, 1), default=0,
                   help="0 = Virtual PCD 00 00 (port 35963), 1 = 00 01 (35964)")
    p.add_argument("--port", type=int, help="vpcd port (overrides --reader)")
    p.add_argument("--uuid", default="555021935107", help="the CN (12-14 digits on real cards)")
    p.add_argument("--pin", default="1234", help="passcode (ASCII, up to 8 characters)")
    p.add_argument("--tries", type=int, help="initial tries left (default --max-tries)")
    p.add_argument("--max-tries", type=int, default=3, help="tries after a correct PIN")
    p.add_argument("--last-wrong", choices=("63c0", "6983"), default="63c0",
                   help="answer to the wrong PIN that spends the last try")
    exp = p.add_mutually_exclusive_group()
    exp.add_argument("--expires", metavar="YYYY-MM-DD", help="notAfter = that day 23:59:59Z")
    exp.add_argument("--expires-in-days", type=int, default=730,
                     help="notAfter = now + N days (negative: already expired)")
    p.add_argument("--name", help='"Given Family": adds GN and SN RDNs after the CN')
    p.add_argument("--ou", default="People", help="OU value (real cards seen with 'people')")
    p.add_argument("--country", help="prepend C=<this> (the CN is then the 4th RDN)")
    p.add_argument("--no-uuid", action="store_true",
                   help="CN = --name (default 'Test User') instead of the UUID")
    p.add_argument("--subject", help="whole subject, RDNs in order: /O=nhs/OU=People/CN=x")
    p.add_argument("--aid", default=FILE_AID_DEFAULT, help="file profile: the DF's AID (hex)")
    p.add_argument("--pin-ref", default=None,
                   help="VERIFY P2 (hex): default 80 for piv, 81 for file")
    p.add_argument("--fid", default="C101", help="file profile: the certificate EF's FID (hex)")
    p.add_argument("--short-read", choices=("6c", "eof"), default="6c",
                   help="READ BINARY with Le > bytes left: 6Cxx (default) or data + 6282")
    p.add_argument("--pull-after", type=int, default=0, metavar="N",
                   help="exit (card pulled) right after answering the N-th APDU")
    p.add_argument("--no-quickack", dest="quickack", action="store_false",
                   help="do not set TCP_QUICKACK (shows the ~44 ms/APDU penalty)")
    p.add_argument("--cache-dir", default=os.path.join(
        tempfile.gettempdir(), "vmcheck-testcard-%d" % os.getuid()),
        help="where the test CA and card keys are cached")
    p.add_argument("--cert-out", help="also write the card's certificate (DER) here")
    p.add_argument("--wait", type=float, default=5.0, help="seconds to retry connecting")
    p.add_argument("-v", "--verbose", action="store_true", help="log APDUs to stderr (PIN masked)")
    cfg = p.parse_args(argv)
    if cfg.tries is None:
        cfg.tries = cfg.max_tries
    if not (0 <= cfg.tries <= 15 and 1 <= cfg.max_tries <= 15):
        p.error("--tries must be 0..15 and --max-tries 1..15")
    if len(cfg.pin) > 8 or not cfg.pin:
        p.error("--pin must be 1..8 characters")
    cfg.pin_ref = int(cfg.pin_ref, 16) if cfg.pin_ref else (0x80 if cfg.profile == "piv" else 0x81)
    if cfg.no_uuid and not cfg.name:
        cfg.name = "Test User"
    if cfg.port is None:
        cfg.port = VPCD_PORTS[cfg.reader]
    try:
        parse_hex(cfg.aid)
        int(cfg.fid, 16)
        if cfg.expires:
            datetime.date.fromisoformat(cfg.expires)
        if cfg.subject:
            parse_subject(cfg.subject)
    except ValueError as e:
        p.error(str(e))
    return cfg


def main(argv):
    cfg = parse_args(argv)
    t0 = time.monotonic()

    def log(text):
        sys.stderr.write("card[%s %d]: %s\n" % (cfg.profile, cfg.reader, text))
        sys.stderr.flush()

    cert = make_certificate(cfg)
    if cfg.cert_out:
        _atomic_write(os.path.abspath(cfg.cert_out), cert)
    card = CardOS(cfg, cert)
    link = VpcdLink(cfg.port, cfg.quickack, cfg.wait)

    def on_signal(signum, frame):
        link.close()        # the card leaves the reader
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    from cryptography import x509
    has_uuid = any(a.value == cfg.uuid and a.oid == x509.NameOID.COMMON_NAME
                   for a in x509.load_der_x509_certificate(cert).subject)
    print("READY %d %s %s" % (cfg.reader, cfg.profile, cfg.uuid if has_uuid else "-"), flush=True)
    log("connected to vpcd port %d in %.0f ms" % (cfg.port, (time.monotonic() - t0) * 1000))
    try:
        return serve(cfg, card, link, log)
    except OSError as e:
        log("socket error: %s" % e)
        return 0
    finally:
        link.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
