"""save / load: bit-exact round trips, and clear refusals of bad or hostile files."""
import json
import os
import pickle

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba.io import ModelFileError


@pytest.fixture
def saved(tmp_path):
    net = ff.Network([3, 5, 2], ["tanh", "softmax"], "categorical_cross_entropy", seed=0, l2=0.01)
    path = tmp_path / "net.npz"
    net.save(path)
    return net, path


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_bit_exact(tmp_path, dtype, backend):
    X, y = ff.datasets.make_spirals(n_per_class=20, seed=0)
    net = ff.Network([2, 7, 3], ["elu", "softmax"], "categorical_cross_entropy", dtype=dtype,
                     seed=0, l2=0.5, backend=backend)
    net.fit(X, y, epochs=3, optimizer="adam", verbose=False)
    net.metadata = {"note": "spirals", "mean": [0.1, 1 / 3]}
    net.save(tmp_path / "a.npz")
    back = ff.Network.load(tmp_path / "a.npz", backend=backend)
    assert (back.layer_sizes, back.activations, back.cost_name, back.dtype, back.l2) == \
        (net.layer_sizes, net.activations, net.cost_name, net.dtype, net.l2)
    assert back.metadata == net.metadata and back.backend == backend
    for key in net.params:
        assert net.params[key].tobytes() == back.params[key].tobytes()
    assert np.array_equal(back.forward(X), net.forward(X))


def rewrite(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def header_of(path):
    with np.load(path) as data:
        return json.loads(str(data["header"])), data["theta"]


def test_pickled_objects_are_refused_unread(tmp_path, saved):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.npz"
    header, theta = header_of(saved[1])
    rewrite(path, header=np.array([Payload()], dtype=object), theta=theta)
    with pytest.raises(ModelFileError, match="cannot be loaded when allow_pickle=False|read safely"):
        ff.Network.load(path)
    with open(path, "wb") as f:  # a plain pickle, not an npz at all
        pickle.dump(Payload(), f)
    with pytest.raises(ModelFileError):
        ff.Network.load(path)
    assert not marker.exists()


def test_truncated_and_corrupted_files(tmp_path, saved):
    data = saved[1].read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="cannot be read as a saved network"):
        ff.Network.load(tmp_path / "cut.npz")
    noisy = bytearray(data)
    noisy[len(data) // 3: len(data) // 3 + 40] = os.urandom(40)
    (tmp_path / "noise.npz").write_bytes(bytes(noisy))
    with pytest.raises(ModelFileError):
        ff.Network.load(tmp_path / "noise.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ModelFileError):
        ff.Network.load(tmp_path / "empty.npz")
    with pytest.raises(ModelFileError, match="cannot be read"):
        ff.Network.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("change, match", [
    (lambda h, t: (dict(h, format_version=99), t), "file format version 99; this ffnn-numba reads version 1"),
    (lambda h, t: (dict(h, format="something else"), t), "not an ffnn-numba network file"),
    (lambda h, t: (dict(h, layer_sizes=[3, 6, 2]), t), r"the parameters are float64 \(32,\), but the header's network needs float64 \(38,\)"),
    (lambda h, t: (h, t[:-1]), r"needs float64 \(32,\)"),
    (lambda h, t: (dict(h, dtype="float32"), t), "parameters are float64"),
    (lambda h, t: (dict(h, activations=["tanh", "evil"]), t), "describes no valid network.*unknown activation 'evil'"),
    (lambda h, t: (dict(h, cost=3), t), "'cost' is missing or malformed"),
    (lambda h, t: ({k: v for k, v in h.items() if k != "l2"}, t), "'l2' is missing"),
    (lambda h, t: (h, np.where(np.arange(t.size) == 0, np.nan, t)), "NaN or infinite"),
])
def test_inconsistent_headers(tmp_path, saved, change, match):
    header, theta = change(*header_of(saved[1]))
    path = tmp_path / "bad.npz"
    rewrite(path, header=np.array(json.dumps(header)), theta=theta)
    with pytest.raises(ModelFileError, match=match):
        ff.Network.load(path)


def test_wrong_arrays(tmp_path, saved):
    header, theta = header_of(saved[1])
    rewrite(tmp_path / "a.npz", header=np.array(json.dumps(header)), theta=theta, extra=theta)
    with pytest.raises(ModelFileError, match="expected the arrays 'header' and 'theta'"):
        ff.Network.load(tmp_path / "a.npz")
    rewrite(tmp_path / "b.npz", header=np.array("{not json"), theta=theta)
    with pytest.raises(ModelFileError, match="not valid JSON"):
        ff.Network.load(tmp_path / "b.npz")
    rewrite(tmp_path / "c.npz", header=np.zeros(3), theta=theta)
    with pytest.raises(ModelFileError, match="not a JSON text"):
        ff.Network.load(tmp_path / "c.npz")


def test_io_load_without_a_factory_points_to_network_load(tmp_path):
    path = tmp_path / "net.npz"
    ff.Network([2, 3, 1], seed=0).save(path)
    from ffnn_numba import io
    with pytest.raises(TypeError, match=r"Network\.load\(path, backend=\.\.\.\)"):
        io.load(path, "numpy")
