"""HTTPS with an intranet CA: central serves TLS on 127.0.0.1 with a certificate
signed by a CA the test makes; a device trusts it only through --ca-bundle."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from central.admin import init_db, new_enroll_code
from central.server import Tls, run_in_thread
from central.settings import CentralSettings
from client.cli import main
from sync.failures import ExitCode
from tests.stores import open_store

pytestmark = pytest.mark.usefixtures("cli_passphrase")

VILLAGE = "150202101219"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_pki(folder: Path) -> tuple[Path, Tls]:
    """A CA and a server certificate for 127.0.0.1 signed by it, as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Donghe test CA"))
        .issuer_name(_name("Donghe test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("central.donghe.test"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = folder / "ca.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_pem, Tls(str(folder / "server.pem"), str(folder / "server.key"))


@pytest.fixture
def https_central(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    ca_pem, tls = _write_pki(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'central.db'}"
    init_db(db_url)
    url, stop = run_in_thread(CentralSettings(db_url=db_url), tls=tls)
    yield url, db_url, ca_pem
    stop()


def test_a_device_trusts_an_intranet_central_through_its_ca_bundle(
    https_central: tuple[str, str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, db_url, ca_pem = https_central
    assert url.startswith("https://127.0.0.1:")
    home = tmp_path / "clerk"

    untrusted = new_enroll_code(db_url, unit=VILLAGE, role="clerk")
    code = main(["--home", str(home), "enroll", "--server", url, "--code", untrusted])
    assert code == ExitCode.OFFLINE  # the certificate is not trusted: nothing is enrolled
    assert "平台的证书不受信任" in capsys.readouterr().err
    with open_store(home) as store:
        assert store.identity is None

    trusted = new_enroll_code(db_url, unit=VILLAGE, role="clerk")
    args = ["enroll", "--server", url, "--code", trusted, "--ca-bundle", str(ca_pem)]
    assert main(["--home", str(home), *args]) == ExitCode.OK
    record = '{"catalog_code": "FIN-01", "period": "2026-09", "title": "九月财务公开"}'
    assert main(["--home", str(home), "record", "add", "disclosure", "--json", record]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "sync", "--json"]) == ExitCode.OK
    assert '"pushed": 1' in capsys.readouterr().out
