"""Putting a generated package, and the spec fragment it came from, in place all at once.

A package is built whole beside its destination (``generated/.klaviyo_profile_import.staged``),
and a new fragment is written beside ``spec/profile-import.yaml``; only when both are complete
and checked do they replace the old ones, by renames on one file system:

1. the old package moves aside (``.klaviyo_profile_import.previous``);
2. the new package moves into place;
3. the new fragment replaces the old one (``os.replace``: one step): the commit point;
4. the old package is deleted.

An interruption (an error, Ctrl-C, a kill) at any point leaves either the old checkout or the
new one, whole, once :func:`recover` has run, which the scripts do first: before step 3 it puts
the old package back and drops the new fragment; after it, it deletes what is left of the old
package. Nothing is ever copied file by file into place.

This module knows no other part of the scripts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

STAGED = ".staged"
PREVIOUS = ".previous"


def _beside(path: Path, suffix: str) -> Path:
    return path.parent / f".{path.name}{suffix}"


def staging_folder(out: Path) -> Path:
    """The folder a package for ``out`` is built in: beside it, on the same file system, so
    that putting it in place is a rename."""
    return _beside(out, STAGED)


def staged_spec(spec: Path) -> Path:
    """Where a new fragment for ``spec`` is written before it replaces ``spec``."""
    return _beside(spec, STAGED)


def recover(out: Path, spec: Path | None = None) -> str | None:
    """Finish or undo an install an interruption cut short, and delete what an interrupted
    build left; return a line saying what was restored, if anything was."""
    previous = _beside(out, PREVIOUS)
    new_spec = staged_spec(spec) if spec is not None else None
    restored = None
    if previous.is_dir():
        committed = new_spec is None or not new_spec.exists()
        if out.is_dir() and committed:
            shutil.rmtree(previous)
        else:
            if out.is_dir():
                shutil.rmtree(out)
            os.rename(previous, out)
            restored = f"restored {out} as it was before an interrupted update"
    staging = staging_folder(out)
    if staging.exists():
        shutil.rmtree(staging)
    if new_spec is not None and new_spec.exists():
        new_spec.unlink()
    return restored


def install(
    package: Path, out: Path, *, new_spec: Path | None = None, spec: Path | None = None
) -> None:
    """Put the complete ``package`` (built in :func:`staging_folder` of ``out``) in place of
    ``out``, and the fragment ``new_spec`` in place of ``spec`` when given, as the module
    describes."""
    previous = _beside(out, PREVIOUS)
    if previous.exists():
        shutil.rmtree(previous)
    out.parent.mkdir(parents=True, exist_ok=True)
    moved_aside = out.exists()
    if moved_aside:
        os.rename(out, previous)
    try:
        os.rename(package, out)
        if new_spec is not None and spec is not None:
            spec.parent.mkdir(parents=True, exist_ok=True)
            os.replace(new_spec, spec)
    except BaseException:
        # Whatever failed, the old package goes back (the fragment was not replaced).
        if moved_aside:
            if out.exists():
                shutil.rmtree(out)
            os.rename(previous, out)
        raise
    if moved_aside:
        shutil.rmtree(previous)
