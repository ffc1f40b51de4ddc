"""Independent reference figures for model quality, from scikit-learn (Debian's python3-sklearn) and numpy.

Reads one JSON object on stdin: {"type": "BinaryClassification"|"MulticlassClassification"|"Regression",
"positive": "1", "truth": [...], "predicted": [...], "probabilities": [...] or null, "subsamples": [[row, ...], ...]}
and prints {"metrics": {name: value}, "deviations": {name: population std over the subsamples},
"roc": [fpr, tpr], "pr": [precisions, recalls]} with Model Monitor's metric names.
"""
import json
import sys

import numpy as np
from sklearn import metrics as m
from sklearn.dummy import DummyClassifier


def binary(truth, predicted, probabilities, positive):
    y = np.array([t == positive for t in truth])
    p = np.array([t == positive for t in predicted])
    z = dict(zero_division=0)
    out = {
        "recall": m.recall_score(y, p, **z),
        "precision": m.precision_score(y, p, **z),
        "accuracy": m.accuracy_score(y, p),
        "true_positive_rate": m.recall_score(y, p, **z),
        "true_negative_rate": m.recall_score(~y, ~p, **z),
        "false_positive_rate": 1 - m.recall_score(~y, ~p, **z) if (~y).any() else 0.0,
        "false_negative_rate": 1 - m.recall_score(y, p, **z) if y.any() else 0.0,
        "f0_5": m.fbeta_score(y, p, beta=0.5, **z),
        "f1": m.f1_score(y, p, **z),
        "f2": m.fbeta_score(y, p, beta=2, **z),
    }
    if probabilities is not None and y.any() and (~y).any():
        out["auc"] = m.roc_auc_score(y, probabilities)
    dummy = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(truth), 1)), np.array(truth))
    c = np.array([t == positive for t in dummy.predict(np.zeros((len(truth), 1)))])
    out["recall_best_constant_classifier"] = m.recall_score(y, c, **z)
    out["precision_best_constant_classifier"] = m.precision_score(y, c, **z)
    out["accuracy_best_constant_classifier"] = m.accuracy_score(y, c)
    out["f0_5_best_constant_classifier"] = m.fbeta_score(y, c, beta=0.5, **z)
    out["f1_best_constant_classifier"] = m.f1_score(y, c, **z)
    out["f2_best_constant_classifier"] = m.fbeta_score(y, c, beta=2, **z)
    return out


def multiclass(truth, predicted):
    t = np.array(truth)
    p = np.array(predicted)
    w = dict(average="weighted", zero_division=0)
    dummy = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(t), 1)), t)
    c = dummy.predict(np.zeros((len(t), 1)))
    out = {}
    for suffix, guess in (("", p), ("_best_constant_classifier", c)):
        out["accuracy" + suffix] = m.accuracy_score(t, guess)
        out["weighted_recall" + suffix] = m.recall_score(t, guess, **w)
        out["weighted_precision" + suffix] = m.precision_score(t, guess, **w)
        out["weighted_f0_5" + suffix] = m.fbeta_score(t, guess, beta=0.5, **w)
        out["weighted_f1" + suffix] = m.f1_score(t, guess, **w)
        out["weighted_f2" + suffix] = m.fbeta_score(t, guess, beta=2, **w)
    return out


def regression(truth, predicted):
    t = np.array(truth, dtype=float)
    p = np.array(predicted, dtype=float)
    mse = m.mean_squared_error(t, p)
    return {"mae": m.mean_absolute_error(t, p), "mse": mse, "rmse": float(np.sqrt(mse)), "r2": m.r2_score(t, p)}


def scalars(kind, truth, predicted, probabilities, positive):
    if kind == "BinaryClassification":
        return binary(truth, predicted, probabilities, positive)
    if kind == "MulticlassClassification":
        return multiclass(truth, predicted)
    return regression(truth, predicted)


def main():
    request = json.load(sys.stdin)
    kind = request["type"]
    truth, predicted = request["truth"], request["predicted"]
    probabilities = request.get("probabilities")
    positive = request.get("positive", "1")
    answer = {"metrics": {k: float(v) for k, v in scalars(kind, truth, predicted, probabilities, positive).items()}}
    subsamples = request.get("subsamples") or []
    if subsamples:
        runs = []
        for rows in subsamples:
            pick = lambda values: None if values is None else [values[i] for i in rows]
            runs.append(scalars(kind, pick(truth), pick(predicted), pick(probabilities), positive))
        answer["deviations"] = {k: float(np.std([run[k] for run in runs])) for k in runs[0]}
    y = np.array([t == positive for t in truth])
    if kind == "BinaryClassification" and probabilities is not None and y.any() and (~y).any():
        fpr, tpr, _ = m.roc_curve(y, probabilities, drop_intermediate=False)
        precision, recall, _ = m.precision_recall_curve(y, probabilities)
        answer["roc"] = [fpr.tolist(), tpr.tolist()]
        answer["pr"] = [precision[::-1].tolist(), recall[::-1].tolist()]
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
