"""The errors a person can act on say what to do: no such engine, a layout mismatch (with
both versions), a client name not in the config, a client slot held by a live process."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys

import pytest

import ose


def test_missing_engine():
    msg = "no engine 'nosuchengine' (is ose engine running? /dev/shm/ose.nosuchengine.state missing)"
    with pytest.raises(ose.EngineNotRunning) as e:
        ose.Client.attach("nosuchengine", "ema1")
    assert str(e.value) == msg
    with pytest.raises(ose.EngineNotRunning) as e:
        ose.Reader.attach("nosuchengine")
    assert str(e.value) == msg
    assert isinstance(e.value, ose.Error)


def test_unknown_client_lists_the_configured_ones(engine):
    with pytest.raises(ose.UnknownClient) as e:
        ose.Client.attach(engine.name, "bob")
    assert str(e.value) == (f"no client 'bob' on engine '{engine.name}'; its [[clients]] are: "
                            "ema1, mm1, perp1, sim, ops")
    assert isinstance(e.value, LookupError)


def test_claimed_slot_names_the_holder(engine):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, ose; c = ose.Client.attach(sys.argv[1], 'perp1'); print('held', "
         "flush=True); sys.stdin.read()", engine.name],
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ose.ClientInUse) as e:
            ose.Client.attach(engine.name, "perp1")
        assert str(e.value) == (f"client 'perp1' of engine '{engine.name}' is in use by pid "
                                f"{holder.pid}")
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    # Once the holder exits the slot is free again.
    ose.Client.attach(engine.name, "perp1").close()


def test_layout_mismatch_names_both_versions(engine):
    # A copy of the engine's segment whose header claims another layout fingerprint, as a
    # segment made by a build with other record layouts would.
    fake = f"{engine.name}fake"
    path = pathlib.Path(f"/dev/shm/ose.{fake}.state")
    shutil.copyfile(f"/dev/shm/ose.{engine.name}.state", path)
    try:
        with open(path, "r+b") as f:
            f.seek(16)  # SegmentHeader::layout_fingerprint (shm/segment.hpp)
            (ours,) = struct.unpack("<Q", f.read(8))
            f.seek(16)
            f.write(struct.pack("<Q", ours ^ 1))
        with pytest.raises(ose.LayoutMismatch) as e:
            ose.Reader.attach(fake)
        m = re.search(r"another memory layout \(layout version (\d+), fingerprint (\d+); this "
                      r"build has (\d+), (\d+)\): rebuild one of them", str(e.value))
        assert m, str(e.value)
        assert (int(m[2]), int(m[4])) == (ours ^ 1, ours) and m[1] == m[3]
    finally:
        path.unlink()
