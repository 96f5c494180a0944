"""The child's result comes back as data only: a forged pickle runs nothing in the grader."""
import numpy as np
import pytest

from experiments.cli import main
from experiments.grading.result_file import ResultFileError, dump_result, load_result
from experiments.grading.sandbox import run_isolated

FORGER = '''import pickle, sys
class Payload:
    def __reduce__(self):
        return (exec, ("open({marker!r}, 'w').write('ran')",))
blob = pickle.dumps({{"status": "graded", "x": Payload()}})
open("result.pkl", "wb").write(blob)   # the old result file, in the child's working folder
open(sys.argv[-1], "wb").write(blob)   # the result file the child was told to write
import os
os._exit(0)
'''


def _data(tmp_path):
    data = tmp_path / "data.npz"
    np.savez(data, X=np.zeros((3, 2)), y=np.zeros(3, dtype=int), Xl=np.zeros((3, 2)), yl=np.zeros(3, dtype=int),
             grid=np.zeros((4, 2)))
    return data


def test_a_forged_result_runs_nothing_in_the_grader(tmp_path, capsys):
    marker = tmp_path / "payload-ran"
    sub = tmp_path / "subs" / "fcann2.py"
    sub.parent.mkdir()
    sub.write_text(FORGER.format(marker=str(marker)))
    result = run_isolated(sub, _data(tmp_path), timeout=30, memory_mb=1024)
    assert not marker.exists(), "the grader ran the submission's pickle"
    assert result["status"] == "error" and "not valid data" in result["message"], result
    assert main(["grade", str(sub.parent), "--out", str(tmp_path / "out")]) == 0
    assert not marker.exists()
    assert "not graded" in capsys.readouterr().out


def test_arrays_tuples_and_scalars_come_back_as_they_were(tmp_path):
    result = {"status": "graded", "a": np.arange(6, dtype=np.float32).reshape(2, 3), "e": np.zeros((0, 4)),
              "t": (1, "x", None), "s": np.float64(np.nan), "i": np.int64(3), "k": {0: [True, 2.5]},
              "__t__x": {"__t__": "not a tag"}}
    path = tmp_path / "r.json"
    dump_result(result, path)
    back = load_result(path)
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], result["a"])
    assert back["e"].shape == (0, 4) and back["t"] == (1, "x", None) and back["k"] == {0: [True, 2.5]}
    assert np.isnan(back["s"]) and isinstance(back["s"], np.float64) and back["i"] == 3
    assert isinstance(back["i"], np.int64) and back["__t__x"] == {"__t__": "not a tag"}


def test_an_object_array_is_refused_both_ways(tmp_path):
    with pytest.raises(TypeError):
        dump_result({"status": "graded", "o": np.array([object()])}, tmp_path / "r.json")
    (tmp_path / "r.json").write_text('{"status": "x", "o": {"__t__": "array", "dtype": "|O", "shape": [1], '
                                     '"data": [1]}}')
    with pytest.raises(ResultFileError):
        load_result(tmp_path / "r.json")
