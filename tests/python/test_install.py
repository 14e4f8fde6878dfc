"""The documented install: pip install --no-build-isolation ./python into a virtualenv made with
/usr/bin/python3 -m venv --system-site-packages, then `import ose` from anywhere."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from conftest import SRC


def test_pip_install_into_a_venv(tmp_path):
    build = pathlib.Path(os.environ.get("PYTHONPATH", str(SRC / "build" / "python"))).parent
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OSE_BUILD_DIR"] = str(build)  # the tree under test: an incremental no-op build
    out = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-build-isolation",
                          "--no-index", str(SRC / "python")], env=env, cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    out = subprocess.run([str(venv / "bin" / "python"), "-c",
                          "import ose; print(ose.__file__); print(ose.Side.BUY.value)"],
                         env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    where, word = out.stdout.split()
    assert where.startswith(str(venv)) and word == "buy"
