"""ui.memory: after new imports, survivors move to the GC's permanent generation, so gc.collect stays cheap."""

import gc
import sys
import types

import pytest

from ui import memory


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_freezes_once_per_new_import(unfrozen, monkeypatch):
    memory.freeze_new_imports()
    assert gc.get_freeze_count() > 0
    assert memory.freeze_new_imports() is False  # nothing new imported: no collect, no freeze
    monkeypatch.setitem(sys.modules, "_cvlab_probe_module", types.ModuleType("_cvlab_probe_module"))
    assert memory.freeze_new_imports() is True


def test_frozen_objects_are_not_walked_again(unfrozen):
    memory._modules_frozen = 0  # force a freeze
    memory.freeze_new_imports()
    tracked_after_freeze = len(gc.get_objects())
    assert tracked_after_freeze < gc.get_freeze_count() / 10  # the imports' objects are all frozen


def test_garbage_made_after_a_freeze_is_still_collected(unfrozen):
    memory._modules_frozen = 0
    memory.freeze_new_imports()

    class Node:
        pass

    first, second = Node(), Node()
    first.other, second.other = second, first  # a cycle: only the cyclic GC frees it
    del first, second
    assert gc.collect() >= 2


def test_garbage_waiting_for_collection_is_collected_not_frozen(unfrozen, monkeypatch):
    # what the last run left in reference cycles (its page namespace, its images) must not live on frozen
    import weakref

    class Namespace:
        pass

    namespace = Namespace()
    namespace.self = namespace  # a cycle: reference counting alone never frees it
    alive = weakref.ref(namespace)
    del namespace
    monkeypatch.setitem(sys.modules, "_cvlab_probe_module_2", types.ModuleType("_cvlab_probe_module_2"))
    assert memory.freeze_new_imports() is True
    assert alive() is None
