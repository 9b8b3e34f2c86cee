"""``kind: address``: an existing Dask scheduler, reached by its address."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from pipeline.errors import ClusterUnavailableError

from ._fields import Address
from ._registry import register
from ._tls import TLSFiles, security

if TYPE_CHECKING:
    from distributed import Client


class AddressCluster(BaseModel):
    """An existing Dask scheduler, by address (``tcp://127.0.0.1:8786``)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["address"]
    address: Address = Field(description="scheduler address, e.g. tcp://host:8786")
    timeout: float = Field(
        30.0, gt=0, allow_inf_nan=False, description="seconds to wait for the scheduler"
    )
    tls: TLSFiles | None = Field(
        None, description="PEM files of the client's TLS, for a tls:// scheduler"
    )
    worker_wait: float = Field(
        120.0,
        gt=0,
        allow_inf_nan=False,
        description="seconds the sweep waits for the scheduler's first worker",
    )

    @field_validator("tls")
    @classmethod
    def _tls_address(cls, value: TLSFiles | None, info: ValidationInfo) -> TLSFiles | None:
        """With TLS files the address must be a ``tls://`` one (and the other way round)."""
        address = info.data.get("address", "")
        if value is not None and not address.startswith("tls://"):
            raise ValueError(f"needs a tls:// address; cluster.address is {address!r}")
        return value


@contextmanager
def launch(spec: AddressCluster) -> Iterator[Client]:
    """Connect to the scheduler and yield a client; close the client (not the cluster) on exit."""
    from distributed import Client

    try:
        client = Client(spec.address, timeout=spec.timeout, security=security(spec.tls))
    except OSError as error:
        raise ClusterUnavailableError(
            f"cluster.address = {spec.address!r}: no Dask scheduler answers there ({error})"
        ) from None
    with client:
        yield client


register("address", AddressCluster, launch)
