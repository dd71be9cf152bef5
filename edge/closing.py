"""``with`` support for the station's resources: sockets, sources, writers."""

from __future__ import annotations

from typing import Any, TypeVar

_Self = TypeVar("_Self", bound="Closing")


class Closing:
    """A resource released by ``close()``; ``with`` closes it on the way out."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
