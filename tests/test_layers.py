"""The site's ASGI wrappers nest in one written order (plugins/layers.py), not in the order
Datasette happened to find their files on disk."""

import ast
import random

from datasette.app import Datasette

from disclosures import paths
from tests.conftest import plugin

layers = plugin("layers")


def files_with_a_wrapper() -> set[str]:
    """plugins/ files that define an asgi_wrapper hook, read from their source."""
    found = set()
    for path in paths.PLUGINS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.FunctionDef) and node.name == "asgi_wrapper" for node in tree.body):
            found.add(path.name)
    return found - {"layers.py"}


def test_every_wrapper_of_plugins_has_its_place():
    assert len(set(layers.WRAPPER_ORDER)) == len(layers.WRAPPER_ORDER)
    assert set(layers.WRAPPER_ORDER) == files_with_a_wrapper()


def test_the_order_does_not_depend_on_the_order_found():
    def made_in(name):
        namespace = {}
        exec(compile("def wrap(app):\n    return app\n", f"/somewhere/plugins/{name}", "exec"), namespace)
        return namespace["wrap"]

    wrappers = [made_in(name) for name in layers.WRAPPER_ORDER]
    installed = made_in("datasette_installed_plugin.py")
    for seed in range(5):
        shuffled = [*wrappers, installed]
        random.Random(seed).shuffle(shuffled)
        ordered = layers.in_order(shuffled)
        assert ordered[0] is installed
        assert [layers.wrapper_file(w) for w in ordered[1:]] == list(layers.WRAPPER_ORDER)


def test_datasette_applies_the_wrappers_in_that_order():
    datasette = Datasette([], plugins_dir=str(paths.PLUGINS))
    from datasette.plugins import pm

    applied = [layers.wrapper_file(w) for w in pm.hook.asgi_wrapper(datasette=datasette)]
    ours = [name for name in applied if name in layers.WRAPPER_ORDER]
    assert ours == list(layers.WRAPPER_ORDER)
    # The last one Datasette applies is the outermost: echoes cuts every other wrapper's messages,
    # and only etags (which writes none) is outside it, to tag the answer as it leaves; outside
    # them all, server_errors answers any wrapper's exception.
    assert applied[-3:] == ["echoes.py", "etags.py", "server_errors.py"]
