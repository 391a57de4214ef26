"""Profile a measure with pyinstrument (``python -m bench.run … --profile DIR``).

Each measure is run once more under the profiler, and its call tree written as
text to ``DIR/<measure>.txt`` (and as HTML beside it): where the time of a slow
page goes, Python or SQL, before choosing a fix (index, grouped SQL,
pagination, streaming). pyinstrument is in the ``bench`` extra of pyproject.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def profile_call(call: Callable[[], object], path: Path,
                 after: Callable[[object], None] | None = None) -> None:
    """Run ``call`` once under pyinstrument; write its report to ``path`` (.txt, .html)."""
    from pyinstrument import Profiler
    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        result = call()
    finally:
        profiler.stop()
    if after:
        after(result)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    path.with_suffix(".html").write_text(profiler.output_html())
