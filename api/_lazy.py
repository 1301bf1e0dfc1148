"""Names of a package imported on first use (PEP 562), for ``softmax_tui`` and its
``engine`` and ``datasets`` packages: a name's module is imported when the name is first
read, so a run loads only the modules it uses. Here, at the top of the package, because
every part imports it and it imports nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping


def lazy_exports(namespace: dict, exports: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` for the names of ``exports`` (name -> the
    absolute name of the module defining it), given the package's ``globals()``. A name read
    is imported, bound in the package and returned; any other name is an AttributeError.
    The module is imported by ``__import__``, as an import statement does: importlib's
    import_module would hide it from ``-X importtime``, which then counts its time as its
    importer's own."""
    package = namespace["__name__"]

    def __getattr__(name: str):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(__import__(module, fromlist=[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
