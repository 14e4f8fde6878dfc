"""Builds the `ose` wheel: the pure-Python package plus the compiled ose._ose.

The extension links the engine's client library, so the project's CMake build makes it: this
script runs `cmake --build` for the ose_python target in OSE_BUILD_DIR (default: the repository's
build/, which `./ose.sh build` configures), configuring that directory first if it has never
been, for the interpreter pip runs under (in a virtualenv, the interpreter it was made from).
The build is incremental, so an up-to-date tree costs nothing, and a changed one is never
installed stale. Then it copies build/python/ose/_ose*.so into the wheel.
"""

import os
import pathlib
import subprocess
import sys
import sysconfig

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True  # a platform wheel: it carries a compiled module


class BuildPyWithModule(build_py):
    def run(self):
        super().run()
        build = pathlib.Path(os.environ.get("OSE_BUILD_DIR", REPO / "build")).resolve()
        # The interpreter whose headers and ABI the module must match (not a venv's shim).
        python = getattr(sys, "_base_executable", sys.executable)
        if not (build / "CMakeCache.txt").exists():
            subprocess.check_call(["cmake", "-S", str(REPO), "-B", str(build), "-G", "Ninja",
                                   "-DCMAKE_BUILD_TYPE=Release", f"-DPython_EXECUTABLE={python}"])
        subprocess.check_call(["cmake", "--build", str(build), "--target", "ose_python"])
        name = "_ose" + sysconfig.get_config_var("EXT_SUFFIX")
        module = build / "python" / "ose" / name
        if not module.exists():
            sys.exit(f"{module} was not built: is {build} configured for another Python? "
                     f"(set OSE_BUILD_DIR to a fresh directory)")
        self.copy_file(str(module), str(pathlib.Path(self.build_lib) / "ose" / name))


setup(distclass=BinaryDistribution, cmdclass={"build_py": BuildPyWithModule})
