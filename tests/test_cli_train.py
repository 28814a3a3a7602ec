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
    ("a,b,t\n1,nan,x\n3,4,y\n", [], "'nan' is not a finite number"),
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
