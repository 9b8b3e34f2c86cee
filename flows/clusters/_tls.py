"""TLS for Dask: the ``tls:`` part of a ``cluster:`` section and the ``distributed.Security`` of it.

With ``tls`` set, every connection of the cluster (client, scheduler, workers) is ``tls://``,
encrypted and authenticated by certificates signed by one certificate authority: a worker or a
client without such a certificate cannot join or submit work. One certificate (with its key)
serves every role; ``require_encryption`` refuses plain ``tcp://`` connections.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from distributed import Security

__all__ = ["TLSFiles", "security"]


def _readable_file(value: str) -> str:
    """An existing, readable file (``~`` expanded; a relative path is read from the working
    directory); returned as an absolute path, which is what workers on other machines get."""
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError("no such file (give the path of a PEM file)")
    if not os.access(path, os.R_OK):
        raise ValueError("is not readable")
    return str(path.resolve())


#: The path of a PEM file that exists here.
PemFile = Annotated[str, Field(min_length=1), AfterValidator(_readable_file)]


class TLSFiles(BaseModel):
    """PEM files of a Dask cluster's TLS: the authority, and the certificate every role shows."""

    model_config = ConfigDict(extra="forbid")

    ca_file: PemFile = Field(description="certificate of the authority that signed the cert")
    cert: PemFile = Field(description="certificate of the scheduler, workers and client")
    key: PemFile | None = Field(
        None, description="private key of the certificate (omit when it is inside the cert file)"
    )


def security(tls: TLSFiles | None) -> Security | None:
    """The ``distributed.Security`` of a ``tls:`` section (``None`` without one): the same
    certificate for client, scheduler and worker, encryption required."""
    if tls is None:
        return None
    from distributed import Security

    roles = ("client", "scheduler", "worker")
    return Security(
        tls_ca_file=tls.ca_file,
        **{f"tls_{role}_cert": tls.cert for role in roles},
        **({f"tls_{role}_key": tls.key for role in roles} if tls.key else {}),
        require_encryption=True,
    )
