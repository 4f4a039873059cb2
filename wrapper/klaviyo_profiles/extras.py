"""Optional dependencies: one clear error naming the extra to install when one is missing.

The core client needs only httpx, attrs, pyrate-limiter and tenacity. The command line
(``cli``: Click, Rich), the sandbox (``sandbox``: Starlette, uvicorn, jsonschema), the SQLite
limiter (``sqlite``: filelock) and the Redis limiter (``redis``) are extras, checked where
they are first needed so that a missing one reads as an install instruction, not as a
``ModuleNotFoundError`` about a module the user never heard of.
"""

from __future__ import annotations

import importlib.util

__all__ = ["MissingExtraError", "require_extra"]

#: What each extra brings, by import name (the modules checked before using it).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "cli": ("click", "rich"),
    "sandbox": ("starlette", "uvicorn", "jsonschema"),
    "sqlite": ("filelock",),
    "redis": ("redis",),
}


class MissingExtraError(ModuleNotFoundError):
    """A feature was used whose optional dependencies are not installed.

    A ``ModuleNotFoundError`` (so ``except ImportError`` still catches it) whose message says
    which extra to install.
    """

    def __init__(self, feature: str, extra: str, missing: str) -> None:
        super().__init__(
            f"{feature} needs the {extra!r} extra ({missing} is not installed): "
            f"pip install 'klaviyo-profiles[{extra}]'",
            name=missing,
        )
        self.feature = feature
        self.extra = extra

    def __reduce__(self) -> tuple[type[MissingExtraError], tuple[str, str, str]]:
        return (type(self), (self.feature, self.extra, self.name or ""))


def require_extra(extra: str, feature: str) -> None:
    """Raise :class:`MissingExtraError` unless every module of ``extra`` can be imported.

    Looks the modules up without importing them, so the check costs microseconds.
    """
    for module in EXTRA_MODULES[extra]:
        if importlib.util.find_spec(module) is None:
            raise MissingExtraError(feature, extra, module)
