"""Dask scheduler addresses as the CLI (``--scheduler``) and :func:`dask_executor` accept them.

Pipeline position: features -> extraction on a Dask cluster (:mod:`core.features.distributed`).

An address is ``None`` / ``"local"`` (a LocalCluster on this machine) or
``"SCHEME://HOST:PORT"`` with a scheme of :data:`SCHEMES` and a port in 1..65535; anything else
is a :class:`~core.errors.ParameterError` naming the accepted shapes.
"""

from __future__ import annotations

import re
from typing import Optional

from core.errors import check_param

__all__ = ["SCHEMES", "parse_scheduler"]

#: Address schemes a Dask scheduler listens on that this module accepts.
SCHEMES = ("tcp", "tls", "ws", "wss")
_ADDRESS = re.compile(r"^(?P<scheme>[a-z]+)://(?P<host>\[[0-9a-fA-F:.]+\]|[^:/\s\[\]]+):(?P<port>\d{1,5})/?$")


def parse_scheduler(value: Optional[str]) -> Optional[str]:
    """Normalise a scheduler address as the CLI and :func:`dask_executor` accept it.

    Parameters
    ----------
    value : str or None
        ``None`` or ``"local"``: a LocalCluster on this machine (returns ``None``).
        ``"SCHEME://HOST:PORT"`` with SCHEME in :data:`SCHEMES` (``tcp://10.0.0.5:8786``,
        ``tcp://[::1]:8786``): an existing scheduler (returned unchanged, without a trailing slash).

    Raises
    ------
    ParameterError
        Any other value, with the accepted shapes in the message.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() == "local"):
        return None
    allowed = "'local' or a scheduler address 'tcp://HOST:PORT' (schemes: " + ", ".join(SCHEMES) + ")"
    m = _ADDRESS.match(value.strip()) if isinstance(value, str) else None
    check_param("dask_executor", "address", value, allowed,
                m is not None and m.group("scheme") in SCHEMES and 0 < int(m.group("port")) < 65536)
    return value.strip().rstrip("/")
