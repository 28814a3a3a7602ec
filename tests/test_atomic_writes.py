"""Every file the library writes is written whole or not at all.

Each writer runs against a small tmpfs filled to the last byte: the write must fail with an
OSError, and the file it would have replaced must be left byte for byte, with no temporary
file beside it. Mounting needs root on Linux; elsewhere the test skips and says why.
"""
import csv
import errno
import os
import subprocess
import sys

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import bench, files
from ffnn_numba.cli import main
from ffnn_numba.teach.explore import write_explorer

OLD = b"the previous file, which a failed write must leave as it is\n"


@pytest.fixture
def full_disk(tmp_path):
    """A directory on a tmpfs of 256 KiB whose free space is used up by one filler file."""
    if not sys.platform.startswith("linux"):
        pytest.skip("a tmpfs is mounted on Linux only")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill(directory):
    """Use up the file system's last free byte."""
    with open(directory / "filler", "wb", buffering=0) as f:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    assert os.statvfs(directory).f_bavail == 0


def net_and_data():
    rng = np.random.default_rng(0)
    net = ff.Network([3, 5, 2], activations=["relu", "softmax"],
                     cost="categorical_cross_entropy", seed=0)
    X = rng.standard_normal((3, 8))
    Y = np.eye(2)[:, rng.integers(0, 2, 8)]
    return net, X, Y


def write_model(path, tmp_path):
    net_and_data()[0].save(path)


def write_page(path, tmp_path):
    write_explorer(*net_and_data(), path)


def write_svg(path, tmp_path):
    ff.draw([3, 5, 2], path=path)


def write_png(path, tmp_path):
    pytest.importorskip("matplotlib", reason="PNG figures need matplotlib (the plot extra)")
    ff.draw([3, 5, 2], path=path, format="png")


def write_history_plot(path, tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib (the plot extra)")
    from ffnn_numba.plot import plot_history
    plot_history({"cost": [1.0, 0.5, 0.25], "accuracy": [0.5, 0.7, 0.9]}, path)


def write_predictions(path, tmp_path):
    data = tmp_path / "data.csv"
    with open(data, "w", newline="") as f:
        csv.writer(f).writerows([["x", "y", "label"]] + [[i, i * i % 7, "ab"[i % 2]]
                                                         for i in range(40)])
    model = tmp_path / "model.npz"
    assert main(["train", str(data), "--target", "label", "--epochs", "2", "--quiet",
                 "--output", str(model)]) == 0
    main(["predict", str(model), str(data), "--output", str(path)])


def write_bench_json(path, tmp_path):
    bench.save_json({"cases": [{"size": "tiny", "x" * 1000: list(range(1000))}]}, path)


def write_text(path, tmp_path):   # the Markdown report's writer
    files.write_text(path, "| a | b |\n" * 1000)


WRITERS = {"model.npz": write_model, "explore.html": write_page, "figure.svg": write_svg,
           "figure.png": write_png, "history.png": write_history_plot,
           "predictions.csv": write_predictions, "bench.json": write_bench_json,
           "RESULTS.md": write_text}


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_failed_write_leaves_the_old_file_byte_for_byte(name, full_disk, tmp_path, capsys):
    target = full_disk / name
    target.write_bytes(OLD)
    fill(full_disk)
    with pytest.raises((OSError, SystemExit)):
        WRITERS[name](target, tmp_path)
    assert target.read_bytes() == OLD
    assert sorted(os.listdir(full_disk)) == sorted([name, "filler"])


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_write_replaces_the_old_file_keeping_its_mode(name, tmp_path, capsys):
    target = tmp_path / "out" / name
    target.parent.mkdir()
    target.write_bytes(OLD)
    target.chmod(0o640)
    WRITERS[name](target, tmp_path)
    assert target.read_bytes() != OLD and target.stat().st_size > 0
    assert (target.stat().st_mode & 0o777) == 0o640
    assert os.listdir(target.parent) == [name]


def test_replacing_refuses_a_directory_and_writes_through_a_link(tmp_path):
    with pytest.raises(IsADirectoryError):
        files.write_text(tmp_path, "x")
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    files.write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    with pytest.raises(ValueError, match="mode"):
        with files.replacing(real, "a"):
            pass
