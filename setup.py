"""Build hook: a wheel carries ``graph/`` (schema, seed, Browser files) as ``app/graph``.

Everything else is in ``pyproject.toml``. ``graph/`` stays at the top of the repository; an
editable install reads it there (see ``app/resources.py``), so the copy is made for wheels only.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

GRAPH = Path(__file__).resolve().parent / "graph"


class BuildPyWithGraph(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            shutil.copytree(GRAPH, Path(self.build_lib) / "app" / "graph", dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithGraph})
