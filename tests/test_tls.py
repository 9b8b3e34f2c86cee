"""TLS for Dask (flows.clusters._tls): a certificate authority and a certificate made here with
``cryptography``; a local cluster with ``tls`` speaks only ``tls://`` on 127.0.0.1, refuses a
client without a certificate of that authority, is reached by the ``address`` backend with the
same files, and runs a sweep through ``energy-sweep run`` to the numbers of a direct computation."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import assert_same_store, build_store, energy_sweep_run

from flows.clusters import cluster_spec, dask_client
from flows.clusters._tls import TLSFiles, security

pytestmark = pytest.mark.timeout(600)


def _certificate_authority(folder: Path, name: str) -> dict[str, str]:
    """A CA and a certificate for 127.0.0.1/localhost signed by it, as PEM files in ``folder``:
    ``{"ca_file", "cert", "key"}``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject: str, key: Any, issuer: str, signer: Any, ca: bool) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate(f"{name} CA", ca_key, f"{name} CA", ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate("energy-sweep", key, f"{name} CA", ca_key, ca=False)
    files = {"ca_file": folder / "ca.pem", "cert": folder / "cert.pem", "key": folder / "key.pem"}
    files["ca_file"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {role: str(path) for role, path in files.items()}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _certificate_authority(tmp_path_factory.mktemp("tls"), "energy-sweep test")


def test_the_tls_section_reads_its_files_into_a_security(tls: dict[str, str]) -> None:
    files = cluster_spec({"tls": tls}).tls
    assert files == TLSFiles(**tls)
    sec = security(files)
    assert sec is not None and sec.require_encryption
    assert sec.get_tls_config_for_role("worker") == {
        "ca_file": tls["ca_file"],
        "cert": tls["cert"],
        "key": tls["key"],
        "ciphers": None,
    }
    assert security(None) is None
    assert cluster_spec({}).tls is None


@pytest.mark.slow
def test_a_tls_cluster_speaks_only_tls_to_holders_of_its_certificates(
    tls: dict[str, str], tmp_path: Path
) -> None:
    from distributed import Client

    other = _certificate_authority(tmp_path / "other", "another")
    with dask_client({"kind": "local", "workers": 1, "tls": tls}) as client:
        address = client.scheduler.address
        assert address.startswith("tls://127.0.0.1:")
        assert all(w.startswith("tls://127.0.0.1:") for w in client.scheduler_info()["workers"])
        assert client.submit(pow, 2, 5).result() == 32
        section = {"kind": "address", "address": address, "tls": tls, "timeout": 20}
        with dask_client(section) as reached:
            assert reached.submit(pow, 3, 3).result() == 27
        with pytest.raises((OSError, TimeoutError)):
            Client(address.replace("tls://", "tcp://"), timeout=3)  # no plain TCP
        with pytest.raises((OSError, TimeoutError)):
            Client(address, timeout=3, security=security(TLSFiles(**other)))  # a stranger's CA


def test_the_address_backend_with_tls_needs_a_tls_address(tls: dict[str, str]) -> None:
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^cluster.tls = .*needs a tls:// address"):
        cluster_spec({"kind": "address", "address": "tcp://127.0.0.1:8786", "tls": tls})


@pytest.mark.slow
def test_a_sweep_runs_over_tls(tls: dict[str, str], tmp_path: Path, prefect_api_url: str) -> None:
    """The run reaches the session's Prefect server: what is tested is the cluster's TLS."""
    config = {
        "name": "tls",
        "length": 128,
        "depth": 3,
        "chunk": 4,
        "signals": [{"kind": "white_noise", "count": 8, "seed": 0}],
        "banks": [{"family": "meyer"}],
        "store": str(tmp_path / "tls.zarr"),
        "cluster": {"kind": "local", "workers": 1, "tls": tls},
    }
    path = tmp_path / "tls.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    reference = tmp_path / "direct.yaml"
    reference.write_text(yaml.safe_dump({**config, "store": str(tmp_path / "direct.zarr")}))
    result = energy_sweep_run(path, tmp_path, prefect_api_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 done, 0 skipped, 0 failed" in result.stdout
    build_store(reference)
    assert_same_store(tmp_path / "tls.zarr", tmp_path / "direct.zarr")


def test_slurm_jobs_get_the_tls_files_on_their_worker_command_line(
    tls: dict[str, str], tmp_path: Path
) -> None:
    pytest.importorskip("dask_jobqueue")
    from flows.clusters.slurm import jobqueue_cluster

    section = {"kind": "slurm", "cores": 1, "memory": "1GB", "walltime": "00:10:00", "jobs": 1}
    with jobqueue_cluster(cluster_spec({**section, "tls": tls})) as cluster:
        address = cluster.scheduler_address
        command = cluster.job_script().splitlines()[-1].split()
    assert address.startswith("tls://127.0.0.1:")
    assert command[3] == address
    for option, role in (
        ("--tls-ca-file", "ca_file"),
        ("--tls-cert", "cert"),
        ("--tls-key", "key"),
    ):
        assert command[command.index(option) + 1] == tls[role]
    assert command[command.index("--protocol") + 1] == "tls://"
