"""The sync and async clients cannot drift apart: the same public names and signatures, and
every public method a one-line hand-over to the one core (``_base_client``)."""

from __future__ import annotations

import ast
import inspect
import textwrap

from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoProfiles

#: Names that differ by design: how each client is closed and used as a context manager.
SYNC_ONLY = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}
#: Async methods that return an iterator instead of being awaited.
ITERATORS = {"get_errors_for_bulk_import_profiles_job", "iter_create_or_update_profiles"}
#: Methods that do no I/O, so neither client awaits them: each hands its arguments to the core.
PLAIN = {"with_options": "_copy"}


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")} | {
        name for name in (*SYNC_ONLY, *SYNC_ONLY.values()) if hasattr(cls, name)
    }


def _as_async(text: str) -> str:
    return text.replace("httpx.Client", "httpx.AsyncClient").replace("Iterator[", "AsyncIterator[")


def _differences(sync: type, asynchronous: type) -> list[str]:
    """Every way the two clients' public surfaces differ (empty: they match)."""
    found = []
    names = {SYNC_ONLY.get(name, name) for name in _public(sync)}
    if names != _public(asynchronous):
        found.append(f"only sync: {sorted(names - _public(asynchronous))}")
        found.append(f"only async: {sorted(_public(asynchronous) - names)}")
    for name in [*sorted(_public(sync) - set(SYNC_ONLY)), "__init__"]:
        if not hasattr(asynchronous, name):
            continue
        ours, theirs = (
            inspect.signature(getattr(sync, name)),
            inspect.signature(getattr(asynchronous, name)),
        )
        left = [
            (p.name, p.kind, repr(p.default), _as_async(str(p.annotation)))
            for p in ours.parameters.values()
        ]
        right = [
            (p.name, p.kind, repr(p.default), str(p.annotation)) for p in theirs.parameters.values()
        ]
        if left != right:
            found.append(f"{name}: parameters {left} != {right}")
        if _as_async(str(ours.return_annotation)) != str(theirs.return_annotation):
            found.append(f"{name}: returns {ours.return_annotation} != {theirs.return_annotation}")
    return found


def _own_methods(cls: type) -> dict[str, object]:
    return {
        name: value
        for name, value in vars(cls).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }


def test_both_clients_have_the_same_public_names_and_signatures() -> None:
    assert _differences(KlaviyoProfiles, AsyncKlaviyoProfiles) == []


def test_a_method_added_to_one_client_only_is_caught() -> None:
    class Wider(KlaviyoProfiles):
        def delete_profile(self, profile_id: str) -> None:
            """Only here."""

    class Narrower(AsyncKlaviyoProfiles):
        async def create_or_update_profile(self, *, body: object = None) -> None:  # type: ignore[override]
            """Another signature."""

    assert any("delete_profile" in line for line in _differences(Wider, AsyncKlaviyoProfiles))
    assert any(
        line.startswith("create_or_update_profile")
        for line in _differences(KlaviyoProfiles, Narrower)
    )


def test_async_methods_are_awaited_except_the_iterators() -> None:
    for name, method in _own_methods(AsyncKlaviyoProfiles).items():
        if name == "aclose":
            continue
        awaited = name not in ITERATORS and name not in PLAIN
        assert inspect.iscoroutinefunction(method) == awaited, name
    for name, method in _own_methods(KlaviyoProfiles).items():
        assert not inspect.iscoroutinefunction(method), name
    pages = inspect.signature(AsyncKlaviyoProfiles.get_errors_for_bulk_import_profiles_job)
    assert pages.return_annotation == "AsyncIterator[BulkImportErrorEntry]"
    outcomes = inspect.signature(AsyncKlaviyoProfiles.iter_create_or_update_profiles)
    assert outcomes.return_annotation == "AsyncIterator[ProfileOutcome]"


def _hand_over(function: object) -> ast.expr | None:
    """The expression a method returns, if its body is that one ``return`` (after its
    docstring); else ``None``."""
    source = textwrap.dedent(inspect.getsource(function))  # type: ignore[arg-type]
    (definition,) = ast.parse(source).body
    assert isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef))
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return None
    value = body[0].value
    return value.value if isinstance(value, ast.Await) else value


def test_every_public_method_hands_its_operation_to_the_core_in_one_line() -> None:
    for cls in (KlaviyoProfiles, AsyncKlaviyoProfiles):
        for name, method in _own_methods(cls).items():
            if name in ("close", "aclose"):
                continue
            returned = _hand_over(method)
            assert isinstance(returned, ast.Call), f"{cls.__name__}.{name}"
            driver = returned.func
            assert isinstance(driver, ast.Attribute), f"{cls.__name__}.{name}"
            assert isinstance(driver.value, ast.Name) and driver.value.id == "self"
            if name in PLAIN:
                # Every parameter passed on by its own name, nothing decided here.
                assert driver.attr == PLAIN[name], f"{cls.__name__}.{name}"
                parameters = list(inspect.signature(method).parameters)[1:]
                passed = [(k.arg, k.value) for k in returned.keywords]
                assert [arg for arg, _ in passed] == parameters, f"{cls.__name__}.{name}"
                assert all(isinstance(v, ast.Name) and v.id == a for a, v in passed), name
                continue
            # _pages and _stream hand over to _run, page by page or in a worker.
            assert driver.attr in ("_run", "_pages", "_stream"), f"{cls.__name__}.{name}"
            (steps,) = returned.args
            assert isinstance(steps, ast.Call) and isinstance(steps.func, ast.Attribute)
            assert steps.func.attr.endswith(("_steps", "_walk")), f"{cls.__name__}.{name}"


def test_each_client_has_one_driver_that_performs_io() -> None:
    # Only _send touches the pool to send (built there, see ClientCore._built), and only
    # _run hands it to the driver.
    closing = {"__init__", "close", "aclose"}
    for cls in (KlaviyoProfiles, AsyncKlaviyoProfiles):
        touching, handing = [], []
        for name, member in vars(cls).items():
            if not inspect.isfunction(member) or name in closing:
                continue
            tree = ast.parse(textwrap.dedent(inspect.getsource(member)))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "self"
                ):
                    if node.attr == "_http":
                        touching.append(name)
                    elif node.attr == "_send":
                        handing.append(name)
        assert touching == ["_send"], cls.__name__
        assert handing == ["_run"], cls.__name__
