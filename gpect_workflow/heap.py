"""Long-lived objects set aside from Python's cyclic garbage collector, in our own processes only.

A process of the standalone app holds a few hundred thousand objects for its whole life: modules, the
app and its routes, SQLAlchemy's mappings and compiled statements, Jinja's compiled templates, parsed
definitions. Python's collector walks every one of them at each full collection, which a page or a pass
triggers by allocating: at the send hour's pass of 100,000 plans, one full collection over 230,000
objects took 0.13 to 0.16 s of a pass that must stay under 2 s; in the web workers, such a collection
lands on whichever request happens to allocate then, and makes the slowest requests slower.
``gc.freeze()`` moves the objects alive now to a permanent generation the collector skips; what requests
and passes create afterwards is collected as before.

Only the standalone entry points call this (``wsgi.py``, ``flask gpect scheduler`` after its warm-up): a
host application that embeds the extension decides for its own process.
"""

from __future__ import annotations

import gc


def set_aside_long_lived_objects() -> int:
    """Collect the garbage there is, then freeze every object still alive; return how many are frozen.

    Collecting first keeps the garbage of start-up out of the permanent generation, where it would
    never be freed. Calling it again later (after a warm-up) adds what was created since.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
