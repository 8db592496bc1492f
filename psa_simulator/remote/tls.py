"""A private CA and a server certificate for the simulator's broker (127.0.0.1 and localhost).

The files are written as ``ca.pem``, ``server.pem`` and ``server.key`` into a directory: the
tests and Home Assistant trust ``ca.pem`` (verified TLS, as against the real broker). Files that
are already there and still valid are kept, so a simulator restarted with the same directory
keeps its CA and clients that trusted it keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server.key"
LIFETIME = datetime.timedelta(days=825)
RENEW_BEFORE = datetime.timedelta(days=1)
HOST_NAMES = ("localhost",)
HOST_ADDRESSES = ("127.0.0.1",)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where the CA and the server's certificate and key are."""

    directory: Path

    @property
    def ca_file(self) -> Path:
        """The CA certificate clients trust."""
        return self.directory / CA_FILE

    @property
    def cert_file(self) -> Path:
        """The server certificate (signed by the CA)."""
        return self.directory / CERT_FILE

    @property
    def key_file(self) -> Path:
        """The server's private key."""
        return self.directory / KEY_FILE


def ensure_tls_files(directory: Path) -> TlsFiles:
    """Keep valid files in ``directory``, or write a new CA and server certificate there."""
    files = TlsFiles(directory)
    if _still_valid(files):
        return files
    directory.mkdir(parents=True, exist_ok=True)
    _write_new(files)
    return files


def _still_valid(files: TlsFiles) -> bool:
    """Whether all three files exist, parse, chain to each other and live past tomorrow."""
    try:
        ca = x509.load_pem_x509_certificate(files.ca_file.read_bytes())
        cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
        key = serialization.load_pem_private_key(files.key_file.read_bytes(), password=None)
    except (OSError, ValueError):
        return False
    limit = datetime.datetime.now(datetime.UTC) + RENEW_BEFORE
    if min(ca.not_valid_after_utc, cert.not_valid_after_utc) < limit:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return key.public_key() == cert.public_key()


def _write_new(files: TlsFiles) -> None:
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PSA simulator test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in HOST_NAMES]
    names += [x509.IPAddress(ipaddress.ip_address(addr)) for addr in HOST_ADDRESSES]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    files.key_file.write_bytes(key_pem)
    files.key_file.chmod(0o600)
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    # The CA is written last: a half-written set is never taken for a valid one.
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
