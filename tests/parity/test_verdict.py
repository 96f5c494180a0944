"""The one parity verdict (``experiments.parity.verdict.decide``): its rules from minimal
evidence, the sweep and ``parity`` saying the same word, missing evidence reading
``unknown``, and the report's words and colours."""
import json
import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import fcann2.optimizers as rules
from experiments.cli import main
from experiments.config import load_config
from experiments.config.catalog import resolve_config_path
from experiments.parity.verdict import Evidence, decide
from experiments.report.agreement import verdict_line, verdict_tone

TOL = 1e-9


def _evidence(**kw):
    base = dict(task="classification", dtype="float64", tolerance=TOL, status=("ok", "ok"), steps=(None, None),
                best_epoch=(None, None), final_dtheta=1e-15, prediction_agreement=1.0)
    return Evidence(**{**base, **kw})


def _drift(chaotic):
    return SimpleNamespace(chaotic=chaotic, explain=lambda: "chaotic: ..." if chaotic else "not explained by chaos",
                           to_dict=lambda: {})


@pytest.mark.parametrize("evidence, word", [
    (_evidence(), "agree"),
    (_evidence(status=("diverged", "diverged"), steps=(3, 3), final_dtheta=None), "agree"),
    (_evidence(final_dtheta=0.1), "unknown"),                                   # a difference, no drift evidence
    (_evidence(final_dtheta=None), "unknown"),                                  # parameters missing (models/ deleted)
    (_evidence(final_dtheta=None, drift=_drift(True)), "chaotic"),              # ... but drift evidence stored
    (_evidence(status=("diverged", "ok"), steps=(7, None), final_dtheta=None), "unknown"),  # one side blew up
    (_evidence(best_epoch=(3, 4)), "unknown"),                                  # not conclusive by itself
    (_evidence(prediction_agreement=0.99), "unknown"),
    (_evidence(final_dtheta=0.1, drift=_drift(True)), "chaotic"),
    (_evidence(final_dtheta=0.1, drift=_drift(False)), "disagree"),
    (_evidence(final_dtheta=0.1, initial_loss=(0.70, 0.69)), "disagree"),       # differs before any training
    (_evidence(initial_loss=(0.69, 0.69 + 1e-15)), "agree"),
    (_evidence(final_dtheta=float("inf")), "disagree"),                         # different shapes
    (_evidence(gradient_failures=("W1",)), "disagree"),
    (_evidence(status=("ok", "error")), "error"),
    (_evidence(status=(None, "ok")), "incomplete"),
    (_evidence(task="regression", prediction_agreement=1e-12), "agree"),
    (_evidence(task="regression", prediction_agreement=1e-3), "unknown"),
    (_evidence(dtype="float32", tolerance=1e-3, final_dtheta=5e-4, prediction_agreement=1.0), "agree"),
    (_evidence(dtype="float32", tolerance=1e-3, final_dtheta=2e-2), "unknown"),  # the MNIST case without evidence
    (_evidence(dtype="float32", tolerance=1e-3, final_dtheta=2e-2, drift=_drift(True)), "chaotic"),
])
def test_rules(evidence, word):
    verdict = decide(evidence)
    assert verdict.word == word, verdict.reason


def test_reasons_name_the_evidence_and_the_command():
    unknown = decide(_evidence(final_dtheta=0.1, command="python -m experiments parity c.toml --point 'train.lr=0.3'"))
    assert "no drift evidence" in unknown.reason and "--point 'train.lr=0.3'" in unknown.reason
    assert unknown.needs_lockstep
    chaotic = decide(_evidence(final_dtheta=0.1, drift=_drift(True)))
    assert chaotic.basis == "lockstep + one-ulp baseline" and "one-ulp baseline" in chaotic.reason
    missing = decide(_evidence(final_dtheta=None))
    assert "missing" in missing.reason and not missing.needs_lockstep


def test_a_sweep_pair_takes_the_word_of_its_lockstep():
    lockstep = _evidence(final_dtheta=0.2, step_dtheta=0.3, source="lockstep", drift=_drift(True))
    assert decide(_evidence(final_dtheta=0.1, lockstep=lockstep)).word == "chaotic"
    agreeing = _evidence(source="lockstep", step_dtheta=1e-15)
    assert decide(_evidence(final_dtheta=0.1, lockstep=agreeing)).word == "unknown"  # not explained: never "agree"


def test_the_lockstep_evidence_survives_json():
    """What ``drift/`` stores gives the same verdict and explanation when read back."""
    from experiments.parity.chaos import classify_drift
    steps = pd.DataFrame({"dtheta_scaled": np.geomspace(1e-16, 1e-6, 300)})
    baseline = pd.DataFrame({"dtheta_scaled": np.geomspace(1e-16, 1e-6, 300)})
    drift = classify_drift(steps, baseline, TOL, "float64")
    evidence = _evidence(final_dtheta=0.1, step_dtheta=1e-6, step_rel_dloss=1e-7, source="lockstep", drift=drift)
    back = Evidence.from_dict(json.loads(json.dumps(evidence.to_dict())))
    assert decide(back) == decide(evidence) and decide(back).word == "chaotic"
    assert back.drift.explain() == drift.explain()


def _spiral_run(tmp_path, *overrides):
    out = tmp_path / "run"
    code = main(["run", "spiral", "--out", str(out), "--quiet", "--jobs", "1", *overrides])
    assert code == 0
    return out


def test_deleted_models_read_unknown_not_chaotic(tmp_path):
    run = _spiral_run(tmp_path, "--set", "train.epochs=3", "--set", "data.params.n_samples=80",
                      "--set", "sweep.model.hidden=[[5]]", "--set", "sweep.train.lr=[0.03, 0.1]")
    summary = pd.read_csv(run / "tables" / "summary.csv")
    assert set(summary["parity"]) == {"agree"}
    assert 'class="verdict good"' in (run / "report.html").read_text()
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    shutil.rmtree(copy / "models")
    assert main(["report", str(copy)]) == 0
    summary = pd.read_csv(copy / "tables" / "summary.csv")
    assert set(summary["parity"]) == {"unknown"}
    html = (copy / "report.html").read_text()
    assert 'class="verdict warn"' in html and "models/ deleted" in html


def test_sweep_and_parity_agree_on_a_chaotic_and_an_agreeing_point(tmp_path, capsys):
    """The issue's spiral case: the [20, 20] x 0.3 point separates after ~1,400 steps. The
    runner classifies it with the lockstep and its baseline (``drift/``); ``parity --point``
    says the same word, and so does an agreeing point."""
    run = _spiral_run(tmp_path, "--set", "train.epochs=100", "--set", "sweep.model.hidden=[[20, 20]]",
                      "--set", "sweep.train.lr=[0.03, 0.3]")
    summary = pd.read_csv(run / "tables" / "summary.csv")
    sweep = dict(zip(summary["train.lr"], summary["parity"]))
    assert sweep == {0.03: "agree", 0.3: "chaotic"}, sweep
    stored = [json.loads(p.read_text()) for p in (run / "drift").glob("*.json")]
    assert [s["keys"]["train.lr"] for s in stored] == [0.3] and stored[0]["verdict"] == "chaotic"
    assert 'class="verdict warn"' in (run / "report.html").read_text()
    capsys.readouterr()
    words = {}
    for lr in (0.03, 0.3):
        main(["parity", str(run / "config.toml"), "--point", f"train.lr={lr}", "--out", str(tmp_path / f"p{lr}")])
        printed = capsys.readouterr().out
        words[lr] = next(w for w in ("PASS", "CHAOTIC", "FAIL", "UNKNOWN") if f"\n{w}:" in printed)
    assert words == {0.03: "PASS", 0.3: "CHAOTIC"}


def test_an_injected_bug_on_a_chaotic_point_reads_disagree(tmp_path, monkeypatch):
    """SGD with a tiny bias (1e-11 added to every gradient) in fcann2 only, on the chaotic
    point: its first epoch's loss still agrees to rounding level (the old screen called it
    chaotic); the lockstep's drift starts above rounding level, so the sweep says disagree."""
    class BiasedSGD(rules.SGD):
        def update(self, theta, g, lr):
            super().update(theta, g + 1e-11, lr)

    monkeypatch.setitem(rules.UPDATE_RULES, "sgd", BiasedSGD)  # --jobs 1: cells and lockstep run in this process
    run = _spiral_run(tmp_path, "--engine", "cells", "--set", "train.epochs=100",
                      "--set", "sweep.model.hidden=[[20, 20]]", "--set", "sweep.train.lr=[0.3]")
    summary = pd.read_csv(run / "tables" / "summary.csv")
    assert list(summary["parity"]) == ["disagree"]
    html = (run / "report.html").read_text()
    assert 'class="verdict bad"' in html and "not explained by chaos" in html


def test_report_words_and_colours():
    frame = lambda words, pred: pd.DataFrame({"pair": list("abc")[:len(words)], "parity": words,  # noqa: E731
                                              "final_dtheta": [1e-15] * len(words), "prediction_agreement": pred})
    assert verdict_tone(frame(["agree", "agree"], [1.0, 1.0])) == "good"
    assert verdict_tone(frame(["agree", "chaotic"], [1.0, 1.0])) == "warn"
    assert verdict_tone(frame(["agree", "unknown"], [1.0, 1.0])) == "warn"
    assert verdict_tone(frame(["chaotic", "disagree"], [1.0, 1.0])) == "bad"
    assert verdict_tone(frame(["agree", "error"], [1.0, 1.0])) == "bad"
    regression = verdict_line(frame(["agree", "agree"], [2e-15, 3e-16]), "regression")
    assert "max |Δ output| on the test set 2.0e-15" in regression and "predictions identical" not in regression
    classification = verdict_line(frame(["agree", "agree"], [1.0, 1.0]), "classification")
    assert "100.0% of test predictions identical" in classification


def test_the_lockstep_estimate_takes_full_batch_cells():
    """``batch_size = "full"`` is stored as the string: the estimate must not multiply by it."""
    from experiments.parity.sweep_lockstep import estimate_seconds
    rec = {"spec": {"train": {"batch_size": "full"}}, "n_steps": 100, "n_params": 50, "time_per_step": 1e-5}
    assert 0 < estimate_seconds(rec, rec) < 10
    minibatch = {**rec, "spec": {"train": {"batch_size": 8}}}
    assert estimate_seconds(minibatch, minibatch) <= estimate_seconds(rec, rec)
