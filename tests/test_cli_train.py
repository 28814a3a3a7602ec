"""ffnn-numba train / predict on CSV files, and clear messages for bad files."""
import csv

import numpy as np
import pytest

import ffnn_numba as ff
from ffnn_numba.cli import main


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def spirals_csv(tmp_path):
    X, y = ff.datasets.make_spirals(n_per_class=150, seed=0)
    names = np.array(["red", "green", "blue"])
    return write_csv(tmp_path / "spirals.csv", ["x", "y", "colour"],
                     [[a, b, c] for a, b, c in zip(X[0], X[1], names[y])])


def test_train_and_predict_classification(tmp_path, spirals_csv, capsys):
    model = tmp_path / "model.npz"
    assert main(["train", str(spirals_csv), "--target", "colour", "--layers", "64,64",
                 "--epochs", "400", "--learning-rate", "0.01", "--patience", "30",
                 "--output", str(model), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "classification: 450 rows, 2 features, 3 classes" in out and "model saved" in out
    accuracy = float(out.split("validation: cost ")[1].split("accuracy ")[1].split()[0])
    assert accuracy >= 0.9
    predictions = tmp_path / "p.csv"
    assert main(["predict", str(model), str(spirals_csv), "--output", str(predictions)]) == 0
    rows = list(csv.reader(open(predictions)))
    truth = [row[2] for row in csv.reader(open(spirals_csv))][1:]
    assert rows[0] == ["prediction"] and len(rows) == 451
    assert np.mean([p[0] == t for p, t in zip(rows[1:], truth)]) >= 0.9


def test_train_and_predict_regression(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (300, 2))
    target = 3 * x[:, 0] - x[:, 1] ** 2 + 10
    data = write_csv(tmp_path / "r.csv", ["a", "b", "t"], np.column_stack([x, target]).tolist())
    model = tmp_path / "r.npz"
    assert main(["train", str(data), "--target", "t", "--output", str(model), "--quiet",
                 "--epochs", "300"]) == 0
    assert "regression: 300 rows, 2 features" in capsys.readouterr().out
    assert main(["predict", str(model), str(data)]) == 0
    lines = capsys.readouterr().out.split()
    predicted = np.array([float(v) for v in lines[1:]])
    assert lines[0] == "prediction" and np.sqrt(np.mean((predicted - target) ** 2)) < 0.5


@pytest.mark.parametrize("content, args, message", [
    ("", [], "the file is empty"),
    ("a,b,t\n", [], "has a header but no data rows"),
    ("a,b,t\n1,2,x\n3,4\n", [], "line 3 has 2 fields; the header has 3"),
    ("a,b,t\n1,two,x\n3,4,y\n", [], "line 2, column 'b': 'two' is not a number"),
    ("a,b,t\n1,nan,x\n3,4,y\n", [], "'nan' is not a number"),
    ("a,b,t\n1,1e999,x\n3,4,y\n", [], "'1e999' is not a finite number"),
    ("a,b,t\n1,2,x\n3,4,x\n", [], "has one class only"),
    ("a,b,t\n1,2,x\n3,4,y\n", ["--target", "zz"], "no column 'zz'; the columns are"),
    ("a,a,t\n1,2,x\n3,4,y\n", [], "distinct, non-empty column names"),
])
def test_bad_training_files(tmp_path, capsys, content, args, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(SystemExit) as exit_:
        main(["train", str(path), "--target", "t", "--quiet", "--output",
              str(tmp_path / "m.npz"), *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "m.npz").exists()


def test_bad_prediction_inputs(tmp_path, spirals_csv, capsys):
    model = tmp_path / "m.npz"
    main(["train", str(spirals_csv), "--target", "colour", "--epochs", "2", "--quiet",
          "--output", str(model)])
    capsys.readouterr()
    cases = [
        (["predict", str(model), str(write_csv(tmp_path / "x.csv", ["x"], [[1.0]]))],
         "no column 'y'"),
        (["predict", str(model), str(tmp_path / "none.csv")], "no such file"),
        (["predict", str(spirals_csv), str(spirals_csv)], "not an .npz file"),
    ]
    for argv, message in cases:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and message in err and "Traceback" not in err, err
    net = ff.Network([2, 3])
    net.save(tmp_path / "plain.npz")
    with pytest.raises(SystemExit):
        main(["predict", str(tmp_path / "plain.npz"), str(spirals_csv)])
    assert "not saved by ffnn-numba train" in capsys.readouterr().err


def _threads_over():
    import numba
    return str(numba.config.NUMBA_NUM_THREADS + 1)


@pytest.mark.parametrize("argv, option, message", [
    (["train", "d.csv", "--target", "t", "--layers", "abc"], "--layers", "comma-separated layer sizes"),
    (["train", "d.csv", "--target", "t", "--layers", "64,0"], "--layers", "integer from 1 to"),
    (["train", "d.csv", "--target", "t", "--layers", "64,,32"], "--layers", "got '64,,32'"),
    (["train", "d.csv", "--target", "t", "--layers", "1_000"], "--layers", "got '1_000'"),
    (["train", "d.csv", "--target", "t", "--epochs", "0"], "--epochs", "integer of at least 1; got '0'"),
    (["train", "d.csv", "--target", "t", "--epochs", "2.5"], "--epochs", "integer of at least 1"),
    (["train", "d.csv", "--target", "t", "--batch-size", "-1"], "--batch-size", "at least 1; got '-1'"),
    (["train", "d.csv", "--target", "t", "--validation-fraction", "1.5"], "--validation-fraction", r"in \[0, 1\)"),
    (["train", "d.csv", "--target", "t", "--validation-fraction", "1"], "--validation-fraction", r"\[0, 1\)"),
    (["train", "d.csv", "--target", "t", "--patience", "0"], "--patience", "at least 1"),
    (["train", "d.csv", "--target", "t", "--learning-rate", "-1"], "--learning-rate", r"in \(0, ∞\)"),
    (["train", "d.csv", "--target", "t", "--learning-rate", "nan"], "--learning-rate", "finite"),
    (["train", "d.csv", "--target", "t", "--learning-rate", "0"], "--learning-rate", "got '0'"),
    (["train", "d.csv", "--target", "t", "--l2", "-0.1"], "--l2", r"\[0, ∞\)"),
    (["train", "d.csv", "--target", "t", "--l2", "inf"], "--l2", "finite"),
    (["train", "d.csv", "--target", "t", "--seed", "-1"], "--seed", "at least 0"),
    (["train", "d.csv", "--target", "t", "--activation", "relux"], "--activation", "invalid choice"),
    (["explain", "z", "--m", "0"], "--m", "integer from 1 to"),
    (["explain", "z", "--l", "0"], "--l", "at least 1"),
    (["explain", "z", "--j", "x"], "--j", "at least 1"),
    (["explain", "z", "--layers", "abc"], "--layers", "at least 2 comma-separated layer sizes"),
    (["explain", "z", "--layers", "3"], "--layers", "at least 2"),
    (["explain", "z", "--activations", "relu,foo"], "--activations", "unknown activation 'foo'; valid: linear"),
    (["explain", "z", "--cost", "hinge"], "--cost", "invalid choice: 'hinge'"),
    (["demo", "--epochs", "0"], "--epochs", "at least 1"),
    (["demo", "--seed", "x"], "--seed", "at least 0"),
    (["bench", "--sizes", "bogus"], "--sizes", "names from tiny, small, medium, large; got 'bogus'"),
    (["bench", "--sizes", ""], "--sizes", "got ''"),
    (["bench", "--dtypes", "float16"], "--dtypes", "from float64, float32; got 'float16'"),
    (["bench", "--backends", "cuda"], "--backends", "from loops, numpy, torch"),
    (["bench", "--backends", "loops"], "--backends", "must include numpy"),
    (["bench", "--threads", "0"], "--threads", "integer from 1 to"),
    (["bench", "--threads", _threads_over()], "--threads", "integer from 1 to"),
    (["bench", "--min-time", "0"], "--min-time", r"in \(0, 3600\]"),
    (["bench", "--busy", "x"], "--busy", "counts from 0 to 64"),
])
def test_bad_arguments_name_the_option(capsys, argv, option, message):
    import re
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"ffnn-numba {argv[0]}: error: argument {option}"), err
    assert re.search(message, last), last


def test_network_too_large_to_save_is_refused_before_training(tmp_path, capsys):
    data = write_csv(tmp_path / "d.csv", ["a", "t"], [[1, "x"], [2, "y"]])
    with pytest.raises(SystemExit) as exit_:
        main(["train", str(data), "--target", "t", "--layers", "1000000,1000000",
              "--output", str(tmp_path / "m.npz")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "MAX_PARAMETERS" in err and err.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()


def test_train_layers_may_be_empty(tmp_path, capsys):
    data = write_csv(tmp_path / "d.csv", ["a", "t"], [[i, "xy"[i % 2]] for i in range(8)])
    assert main(["train", str(data), "--target", "t", "--layers", "", "--epochs", "1", "--quiet",
                 "--validation-fraction", "0", "--output", str(tmp_path / "m.npz")]) == 0
    assert ff.Network.load(tmp_path / "m.npz").layer_sizes == (1, 1)
