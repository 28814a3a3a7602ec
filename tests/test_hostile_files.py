"""Hostile and broken files (issue 10): every one is refused with one clear error, in bounded
time and memory, and saving never destroys the file it replaces.

Each test builds its hostile file itself, under tmp_path.
"""
import io
import json
import os
import stat
import struct
import sys
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba import io as ffio
from ffnn_numba import tabular
from ffnn_numba.cli import main
from ffnn_numba.io import ModelFileError

SIZES = [3, 5, 2]
N_PARAMS = 5 * 4 + 2 * 6


# ------------------------------------------------------------------------ building files

def npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def npy_header(descr, shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def header(dtype="float64", **changes):
    h = {"format": ffio.FORMAT, "format_version": ffio.FORMAT_VERSION, "library_version": "x",
         "layer_sizes": SIZES, "activations": ["tanh", "softmax"],
         "cost": "categorical_cross_entropy", "dtype": dtype, "l2": 0.0, "metadata": {}}
    h.update(changes)
    return h


def write_npz(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def model_file(path, dtype="float64", theta=None, **changes):
    if theta is None:
        theta = np.zeros(N_PARAMS, dtype)
    return write_npz(path, {"header.npy": npy(np.array(json.dumps(header(dtype, **changes)))),
                            "theta.npy": npy(theta)})


def refused(path, match, backend="loops", peak_mb=16):
    """load(path) raises ModelFileError matching ``match``, allocating at most peak_mb MB."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=match):
            ff.Network.load(path, backend=backend)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < peak_mb * 2**20, f"load allocated {peak / 2**20:.0f} MB before refusing"


def patch_central_size(path, member, size):
    """Overwrite the uncompressed size the central directory declares for ``member``."""
    data = bytearray(path.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_length] == member.encode():
            struct.pack_into("<I", data, at + 24, size)
            path.write_bytes(bytes(data))
            return
        at += 4
    raise AssertionError(f"no {member} in the central directory")


def test_hand_built_file_loads(tmp_path, dtype, backend):
    theta = np.arange(N_PARAMS, dtype=dtype) / 100
    net = ff.Network.load(model_file(tmp_path / "ok.npz", np.dtype(dtype).name, theta), backend)
    assert net.dtype == dtype and net.backend == backend
    assert np.array_equal(net._theta, theta)
    # the other byte order is read too, converted
    path = model_file(tmp_path / "be.npz", np.dtype(dtype).name, theta.astype(theta.dtype.newbyteorder(">")))
    assert np.array_equal(ff.Network.load(path, backend)._theta, theta)
    # and np.savez_compressed's deflated members
    path = tmp_path / "deflated.npz"
    np.savez_compressed(path, header=np.array(json.dumps(header(np.dtype(dtype).name))), theta=theta)
    assert np.array_equal(ff.Network.load(path, backend)._theta, theta)


# ---------------------------------------------------------- class 6: not what they claim

def test_members_that_are_not_npy(tmp_path):
    h = npy(np.array(json.dumps(header())))
    refused(write_npz(tmp_path / "a.npz", {"header": b"{}", "theta": b"\0" * 8}),
            "expected the arrays 'header' and 'theta'; found \\['header', 'theta'\\]")
    refused(write_npz(tmp_path / "b.npz", {"header.npy": h, "theta.npy": b"not an npy at all"}),
            "theta.npy is not a readable .npy array")
    refused(write_npz(tmp_path / "c.npz", {"header.npy": b"\x93NUMPY garbage", "theta.npy": b""}),
            "header.npy is not a readable .npy array")
    refused(write_npz(tmp_path / "d.npz", {"header.npy": h, "theta.npy": npy(np.zeros(N_PARAMS)),
                                           "extra.npy": npy(np.zeros(1))}),
            "expected the arrays")
    many = {f"m{i}.npy": b"" for i in range(50)}
    refused(write_npz(tmp_path / "e.npz", many), "found 50 members")
    for method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        path = write_npz(tmp_path / f"f{method}.npz", {"header.npy": h,
                                                       "theta.npy": npy(np.zeros(N_PARAMS))}, method)
        refused(path, f"compression method {method}; a saved network is stored or deflated")


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
def test_zip_bomb_is_refused_before_decompressing(tmp_path, dtype_name):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("header.npy", npy(np.array(json.dumps(header(dtype_name)))))
        with zf.open("theta.npy", "w") as f:  # 64 MiB of zeros: about 64 KiB compressed
            f.write(npy_header("<f8" if dtype_name == "float64" else "<f4", (N_PARAMS,)))
            for _ in range(64):
                f.write(bytes(1 << 20))
    assert path.stat().st_size < 2 << 20
    refused(path, r"theta.npy \(the parameters, as the header implies\) declares \d+ bytes "
                  r"uncompressed; at most (4352|4224) are read", peak_mb=4)
    patch_central_size(path, "theta.npy", 4_000_000_000)   # a declared 4 GB
    refused(path, "declares 4000000000 bytes", peak_mb=4)


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
def test_lying_zip_size_cannot_blow_up(tmp_path, dtype_name, backend):
    """The central directory declares exactly the right size, but the deflated stream holds
    64 MiB: reading stops at the declared size and the CRC gives the lie away."""
    path = tmp_path / "liar.npz"
    head = npy_header("<f8" if dtype_name == "float64" else "<f4", (N_PARAMS,))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("header.npy", npy(np.array(json.dumps(header(dtype_name)))))
        with zf.open("theta.npy", "w") as f:
            f.write(head)
            for _ in range(64):
                f.write(bytes(1 << 20))
    patch_central_size(path, "theta.npy", len(head) + N_PARAMS * np.dtype(dtype_name).itemsize)
    refused(path, "cannot be read as a saved network.*CRC", backend=backend, peak_mb=8)


def test_forged_central_directory_size(tmp_path):
    path = model_file(tmp_path / "cd.npz")
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    size, offset = struct.unpack_from("<II", data, end + 12)
    struct.pack_into("<II", data, end + 12, 3_000_000_000, offset)  # a 3 GB directory
    path.write_bytes(bytes(data) + b"\0" * 100)  # (past the end: a comment)
    refused(path, "cannot be read as a saved network|asks for 3000000000 bytes", peak_mb=4)


def test_enormous_or_deep_json_headers(tmp_path):
    theta = npy(np.zeros(N_PARAMS))
    big = json.dumps(header(metadata={"x": "a" * (ffio.MAX_HEADER_CHARS + 2000)}))
    refused(write_npz(tmp_path / "big.npz", {"header.npy": npy(np.array(big)), "theta.npy": theta}),
            r"header.npy \(the header\) declares \d+ bytes uncompressed")
    over = json.dumps(header(metadata={"x": "a" * ffio.MAX_HEADER_CHARS}))
    refused(write_npz(tmp_path / "over.npz", {"header.npy": npy(np.array(over)), "theta.npy": theta}),
            r"the header is \d+ characters long; at most 1048576 are read")
    # a header array that claims 100 million characters but holds a few bytes
    forged = npy_header("<U100000000", ()) + b"{}"
    refused(write_npz(tmp_path / "claims.npz", {"header.npy": forged, "theta.npy": theta}),
            "the header is 100000000 characters long; at most 1048576 are read")
    deep = json.dumps(header())[:-1] + ', "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    refused(write_npz(tmp_path / "deep.npz", {"header.npy": npy(np.array(deep)), "theta.npy": theta}),
            r"nested 20000\d deep; at most 64 levels")
    digits = json.dumps(header())[:-1] + ', "x": ' + "9" * 5000 + "}"
    refused(write_npz(tmp_path / "digits.npz", {"header.npy": npy(np.array(digits)), "theta.npy": theta}),
            "the header is not valid JSON")
    objects = npy_header("|O", ()) + b"\x80\x04N."
    refused(write_npz(tmp_path / "pickle.npz", {"header.npy": objects, "theta.npy": theta}),
            "read safely.*Python objects")


@pytest.mark.parametrize("sizes", [[10**6, 10**6, 10**6], [10**30, 1], [2, 10**300, 2],
                                   [1] + [2**16] * 3])
def test_header_networks_beyond_the_parameter_limit(tmp_path, sizes):
    path = model_file(tmp_path / "huge.npz", layer_sizes=sizes,
                      activations=["relu"] * (len(sizes) - 2) + ["softmax"])
    refused(path, r"parameters; load refuses more than ffnn_numba.io.MAX_PARAMETERS = 268435456",
            peak_mb=4)


@pytest.mark.parametrize("sizes", [[3, 0, 2], [3, True, 2], [3, 2.0, 2], [3], "35", [3, -1]])
def test_header_layer_sizes_that_are_not_sizes(tmp_path, sizes):
    refused(model_file(tmp_path / "s.npz", layer_sizes=sizes), "layer_sizes")


def test_special_files_are_refused_without_blocking(tmp_path):
    refused(tmp_path, "is a directory, not a saved network")
    refused(tmp_path / "missing.npz", r"cannot be read as a saved network \(no such file\)")
    if not hasattr(os, "mkfifo"):
        return
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    outcome = []

    def load():
        try:
            ff.Network.load(fifo)
        except ModelFileError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(30)
    if thread.is_alive():  # unblock the reader before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("load blocked on a FIFO")
    assert outcome and "is not a regular file" in outcome[0]


def test_model_file_errors_on_the_command_line(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n")
    bomb = tmp_path / "bomb.npz"
    write_npz(bomb, {"header.npy": npy(np.array(json.dumps(header()))),
                     "theta.npy": npy_header("<f8", (N_PARAMS,)) + bytes(1 << 20)},
              zipfile.ZIP_DEFLATED)
    cases = {tmp_path: "is a directory", tmp_path / "none.npz": "no such file", bomb: "declares",
             model_file(tmp_path / "h.npz", layer_sizes=[10**6] * 3): "MAX_PARAMETERS",
             write_npz(tmp_path / "raw.npz", {"header": b"", "theta": b""}): "expected the arrays"}
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")
        cases[tmp_path / "fifo"] = "not a regular file"
    for model, message in cases.items():
        with pytest.raises(SystemExit) as exit_:
            main(["predict", str(model), str(data)])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and message in err, err
        assert err.count("\n") == 1 and "Traceback" not in err


# ------------------------------------------------ class 7: saving never destroys the old file

@pytest.fixture
def saved(tmp_path, dtype, backend):
    net = ff.Network(SIZES, ["tanh", "softmax"], "categorical_cross_entropy", seed=0,
                     dtype=dtype, backend=backend)
    net.metadata = {"note": "good"}
    path = tmp_path / "net.npz"
    net.save(path)
    return net, path, path.read_bytes()


def circular():
    a = []
    a.append(a)
    return {"a": a}


def nested(depth):
    value = 0
    for _ in range(depth):
        value = [value]
    return {"deep": value}


@pytest.mark.parametrize("metadata, error, match", [
    ({"x": object()}, TypeError, "metadata must hold only JSON values.*object"),
    ({"x": np.arange(3)}, TypeError, "ndarray is not JSON serializable"),
    ({"x": float("nan")}, ValueError, "metadata must be plain JSON: Out of range float"),
    ({"x": [float("inf")]}, ValueError, "plain JSON"),
    (circular(), ValueError, "Circular reference"),
    (nested(100), ValueError, r"nested 10\d deep; at most 64 levels.*which load would refuse"),
    (nested(5000), ValueError, "nested|recursion"),
    ({"x": "a" * ffio.MAX_HEADER_CHARS}, ValueError, "characters long; at most 1048576"),
    ([1, 2], TypeError, "metadata must be a dict"),
])
def test_bad_metadata_leaves_the_old_file(saved, metadata, error, match):
    net, path, before = saved
    net.metadata = metadata
    with pytest.raises(error, match=match):
        net.save(path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]


def test_nan_parameters_are_not_saved(saved):
    net, path, before = saved
    net._theta[3] = np.nan
    with pytest.raises(ValueError, match="parameters contain NaN"):
        net.save(path)
    assert path.read_bytes() == before and os.listdir(path.parent) == [path.name]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failure_while_writing_leaves_the_old_file(saved, monkeypatch, failure):
    net, path, before = saved

    def savez(f, **arrays):
        f.write(b"PK\x03\x04 half a file")
        raise failure

    monkeypatch.setattr(ffio.np, "savez", savez)
    with pytest.raises(type(failure)):
        net.save(path)
    assert path.read_bytes() == before and os.listdir(path.parent) == [path.name]


def test_save_replaces_whole_and_keeps_names_modes_and_links(tmp_path, saved):
    net, path, _ = saved
    net.metadata = {"note": "newer"}
    if os.name == "posix":
        os.chmod(path, 0o640)
    net.save(path)
    assert ff.Network.load(path).metadata == {"note": "newer"}
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    net.save(tmp_path / "plain")                      # no suffix added, as before
    assert (tmp_path / "plain").exists() and not (tmp_path / "plain.npz").exists()
    if hasattr(os, "symlink"):
        link = tmp_path / "link.npz"
        link.symlink_to(path)
        net.metadata = {"note": "through the link"}
        net.save(link)
        assert link.is_symlink() and ff.Network.load(path).metadata == net.metadata
    with pytest.raises(IsADirectoryError):
        net.save(tmp_path)
    assert sorted(os.listdir(tmp_path)) == sorted(["net.npz", "plain"] +
                                                  (["link.npz"] if hasattr(os, "symlink") else []))


# ------------------------------------------------- class 8: predict checks the metadata

GOOD_CLASSIFICATION = {"task": "classification", "features": ["x", "y", "z"], "target": "t",
                       "feature_mean": [0.0, 1.0, 2.0], "feature_scale": [1.0, 2.0, 3.0],
                       "classes": ["a", "b,c"]}
GOOD_REGRESSION = {"task": "regression", "features": ["x", "y", "z"], "target": "t",
                   "feature_mean": [0.0, 1.0, 2.0], "feature_scale": [1.0, 2.0, 3.0],
                   "target_mean": 10.0, "target_scale": 2.0}
CLASSIFIER = dict(layer_sizes=SIZES, activations=["tanh", "softmax"], cost="categorical_cross_entropy")
REGRESSOR = dict(layer_sizes=[3, 4, 1], activations=["tanh", "linear"], cost="mean_squared_error")


def drop(d, key):
    return {k: v for k, v in d.items() if k != key}


@pytest.mark.parametrize("net, meta, message", [
    (CLASSIFIER, {}, "not saved by ffnn-numba train"),
    (CLASSIFIER, drop(GOOD_CLASSIFICATION, "feature_mean"), "'feature_mean' is missing, or not 3 finite"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, feature_mean=[0.0, 1.0]), "'feature_mean' is missing, or not 3"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, feature_mean=[0.0, 1.0, float("nan")]), "'feature_mean'"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, feature_mean=[0.0, 1.0, "2"]), "'feature_mean'"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, feature_scale=[1.0, 0.0, 1.0]), "'feature_scale' is missing, or not 3 finite positive"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, feature_scale=[1.0, float("inf"), 1.0]), "'feature_scale'"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, feature_scale=[1.0, -1.0, 1.0]), "'feature_scale'"),
    (CLASSIFIER, drop(GOOD_CLASSIFICATION, "feature_scale"), "'feature_scale'"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, features=["x", "y"], feature_mean=[0, 1], feature_scale=[1, 1]),
     "names 2 features, but the network takes n\\^\\[0\\] = 3"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, features="xyz"), "'features' must be a list"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, features=["x", "x", "z"]), "'features' must be a list of distinct"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, classes=["a", "b", "c"]), "lists 3 classes, but the network's output \\(n\\^\\[L\\] = 2"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, classes=["a"]), "'classes' must be a list of at least two"),
    (CLASSIFIER, drop(GOOD_CLASSIFICATION, "classes"), "'classes'"),
    (CLASSIFIER, dict(GOOD_CLASSIFICATION, task="clustering"), "has task 'clustering'"),
    (CLASSIFIER, drop(GOOD_CLASSIFICATION, "task"), "has task None"),
    (CLASSIFIER, GOOD_REGRESSION, "says regression, but the network's output"),
    (REGRESSOR, GOOD_CLASSIFICATION, "lists 2 classes, but the network's output \\(n\\^\\[L\\] = 1, mean_squared_error"),
    (REGRESSOR, drop(GOOD_REGRESSION, "target_mean"), "'target_mean' is missing"),
    (REGRESSOR, dict(GOOD_REGRESSION, target_mean=float("nan")), "'target_mean' is missing, or not a finite"),
    (REGRESSOR, dict(GOOD_REGRESSION, target_scale=0), "'target_scale' is missing, or not a finite positive"),
    (REGRESSOR, dict(GOOD_REGRESSION, target_scale=True), "'target_scale'"),
])
@pytest.mark.parametrize("backend_", ["loops", "numpy"])
def test_predict_refuses_inconsistent_metadata(tmp_path, capsys, net, meta, message, backend_):
    model = model_file(tmp_path / "m.npz", theta=np.zeros(sum(
        n * (p + 1) for p, n in zip(net["layer_sizes"], net["layer_sizes"][1:]))),
        metadata=meta, **net)
    data = tmp_path / "d.csv"
    data.write_text("x,y,z\n1,2,3\n4,5,6\n")
    with pytest.raises(SystemExit) as exit_:
        main(["predict", str(model), str(data), "--backend", backend_])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err and err.count("\n") == 1, err
    assert f"{model}: " in err
    import re
    assert re.search(message, err), err


def test_predict_with_good_metadata(tmp_path, capsys, backend):
    data = tmp_path / "d.csv"
    data.write_text("x,y,z\n1,2,3\n 4 ,5,6\n")
    model = model_file(tmp_path / "c.npz", metadata=GOOD_CLASSIFICATION, **CLASSIFIER)
    assert main(["predict", str(model), str(data), "--backend", backend]) == 0
    assert capsys.readouterr().out == 'prediction\na\na\n'   # zeros: argmax 0
    model = model_file(tmp_path / "r.npz", theta=np.zeros(21), metadata=GOOD_REGRESSION, **REGRESSOR)
    assert main(["predict", str(model), str(data), "--backend", backend]) == 0
    assert capsys.readouterr().out == "prediction\n10.0\n10.0\n"
    theta = np.zeros(N_PARAMS)
    theta[-1] = 1.0   # the second class's bias: every row predicts 'b,c', which CSV quotes
    model = model_file(tmp_path / "q.npz", theta=theta, metadata=GOOD_CLASSIFICATION, **CLASSIFIER)
    assert main(["predict", str(model), str(data)]) == 0
    assert capsys.readouterr().out == 'prediction\n"b,c"\n"b,c"\n'


# --------------------------------------------------------- class 9: CSV read wrongly

@pytest.mark.parametrize("cell, number", [
    ("1", True), ("-1.5", True), ("+.5", True), ("3.", True), ("2e-3", True), ("1E+10", True),
    (" 7 ", True), ("\t7", True), ("1e999", True),
    ("1_000", False), ("٣", False), ("１", False), (" nan", False), ("nan", False), ("inf", False),
    ("-Infinity", False), ("", False), (" ", False), ("1e", False), (".", False), ("0x10", False),
    ("1,5", False), ("--1", False), ("1 000", False), ("\u00a01", False),
])
def test_what_a_number_is(cell, number):
    assert tabular.is_number(cell) is number


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def regression_rows(n=60, bad=None):
    rng = np.random.default_rng(0)
    rows = [f"{a:.6f},{b:.6f},{3 * a - b + rng.normal():.6f}" for a, b in rng.uniform(-2, 2, (n, 2))]
    if bad is not None:
        line, cell = bad
        a, b, _ = rows[line - 2].split(",")
        rows[line - 2] = f"{a},{b},{cell}"
    return "a,b,t\n" + "\n".join(rows) + "\n"


def test_byte_order_mark_is_not_part_of_a_name(tmp_path, capsys):
    data = write(tmp_path / "bom.csv", "\ufeff" + regression_rows(), "utf-8")
    model = tmp_path / "m.npz"
    code, out, err = run(["train", str(data), "--target", "t", "--epochs", "1", "--quiet",
                          "--output", str(model), "--layers", "4"], capsys)
    assert code == 0, err
    assert ff.Network.load(model).metadata["features"] == ["a", "b"]
    bom_target = write(tmp_path / "bom2.csv", "\ufefft,a,b\n1,2,3\n2,3,4\n")
    assert tabular.read_csv(bom_target)[0] == ["t", "a", "b"]
    code, out, err = run(["predict", str(model), str(data)], capsys)
    assert code == 0 and out.count("\n") == 61, err


@pytest.mark.parametrize("text, args, message", [
    (regression_rows(bad=(5, "")), [], "the target 't' is empty on line 5; every row needs"),
    (regression_rows(bad=(7, " ")), ["--task", "classification"], "the target 't' is empty on line 7"),
    ("a,b,t\n1,2,\n3,4,\n5,6,x\n", [], "the target 't' is empty on lines 2, 3"),
    (regression_rows(bad=(9, "oops")), [],
     "line 9, column 't': 'oops' is not a number.*give --task classification"),
    (regression_rows(bad=(9, "nan")), [], "line 9, column 't': 'nan' is not a number"),
    (regression_rows(bad=(4, "1_000")), [], "line 4, column 't': '1_000' is not a number"),
    (regression_rows(bad=(4, "inf")), [], "'inf' is not a number"),
    (regression_rows(bad=(4, "1e999")), [], "'1e999' is not a finite number"),
    ("a,b,t\n1,2,x\n3,\u0663,y\n", [], "line 3, column 'b': '\u0663' is not a number"),
    ("a,b,t\n1,2,x\n3, nan,y\n", [], "line 3, column 'b': ' nan' is not a number"),
    ("a,b,t\n1,2,x\n3,Infinity,y\n", [], "'Infinity' is not a number"),
    ("a,b,t\n1,2,x\n3,1_0,y\n", [], "'1_0' is not a number"),
    ("a,b,t\n1,2,x\n3,,y\n", [], "line 3, column 'b': is empty"),
    ("a,b,t\n1,2,x\n\n\n3,z,y\n", [], "line 5, column 'b': 'z' is not a number"),
    ('a,b,t\n1,2,"x\ny"\n3,z,y\n', [], "line 4, column 'b'"),
])
def test_csv_cells_refused_not_misread(tmp_path, capsys, text, args, message):
    data = write(tmp_path / "d.csv", text)
    code, out, err = run(["train", str(data), "--target", "t", "--epochs", "1", "--quiet",
                          "--output", str(tmp_path / "m.npz"), *args], capsys)
    import re
    assert code == 2 and re.search(message, err), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "m.npz").exists()


def test_predict_cells_follow_the_same_rule(tmp_path, capsys):
    model = model_file(tmp_path / "c.npz", metadata=GOOD_CLASSIFICATION, **CLASSIFIER)
    for cell in ("1_000", "\u0663", " nan", "inf", ""):
        data = write(tmp_path / "d.csv", f"x,y,z\n1,2,3\n4,{cell},6\n")
        code, out, err = run(["predict", str(model), str(data)], capsys)
        assert code == 2 and "line 3, column 'y'" in err and out == "", err


@pytest.mark.parametrize("values, task", [
    ([str(v) for v in np.linspace(0, 1, 100)] + ["oops"], "regression"),
    ([str(v) for v in range(100)] + [""], "regression"),
    (["1.5", "2.5", "red"], "regression"),
    (["0", "1", "2", "1"], "classification"),
    (["red", "green", "3"], "classification"),
    (["red", "green"], "classification"),
    ([str(v) for v in range(21)], "regression"),
])
def test_infer_task(values, task):
    assert tabular.infer_task(values) == task


def test_extreme_feature_values_are_standardized(tmp_path, capsys):
    X = np.array([[1.7e308, 1.0], [-1.7e308, 2.0], [1e308, 3.0], [1e300, 4.0]])
    Z, mean, scale = tabular.standardize(X)
    assert np.isfinite(Z).all() and np.isfinite(mean).all() and np.isfinite(scale).all()
    assert np.allclose(Z.mean(axis=0), 0) and np.allclose(Z.std(axis=0), 1)
    Z2, _, _ = tabular.standardize(X, mean, scale)
    assert np.array_equal(Z, Z2)
    ordinary = np.random.default_rng(0).normal(5, 3, (50, 4))
    Z, mean, scale = tabular.standardize(ordinary)  # ordinary data: the plain formula, bit for bit
    assert np.array_equal(mean, ordinary.mean(0)) and np.array_equal(scale, ordinary.std(0))
    assert np.array_equal(Z, (ordinary - ordinary.mean(0)) / ordinary.std(0))
    rows = "\n".join(f"{float(a)!r},{b},{c}" for (a, b), c in zip(X, ["p", "q", "p", "q"]))
    data = write(tmp_path / "big.csv", "a,b,t\n" + rows + "\n")
    model = tmp_path / "m.npz"
    code, out, err = run(["train", str(data), "--target", "t", "--epochs", "1", "--quiet",
                          "--validation-fraction", "0", "--output", str(model)], capsys)
    assert code == 0, err
    meta = ff.Network.load(model).metadata
    assert meta["feature_scale"][0] > 1e307 and np.isfinite(meta["feature_scale"]).all()
    with pytest.raises(tabular.DataError, match="column 'a': its values cannot be standardized"):
        tabular.standardize(np.array([[1e308]]), np.array([-1e308]), np.array([1e-300]),
                            names=["a"])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_unreadable_csv_is_one_line(tmp_path, capsys):
    data = write(tmp_path / "latin1.csv", "a,b,t\n1,2,caf\u00e9\n", "latin-1")
    code, out, err = run(["train", str(data), "--target", "t", "--quiet"], capsys)
    assert code == 2 and "not UTF-8 text" in err and err.count("\n") == 1
