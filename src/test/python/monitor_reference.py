"""Independent reference figures for the monitor's statistics, from numpy/scipy.

Reads one JSON object on stdin and prints one JSON object with the same keys:
  ks:   [[a, b], ...]            -> two-sample Kolmogorov-Smirnov statistic (scipy.stats.ks_2samp)
  chi2: [[observed, expected]]   -> [statistic, p-value] of a goodness-of-fit test (scipy.stats.chisquare),
                                    the expected counts scaled to the observed total
  psi:  [[p_counts, q_counts]]   -> sum((q - p) * ln(q / p)) over shares, an empty share taken as 1e-4
  js:   [[p_counts, q_counts]]   -> Jensen-Shannon distance in bits (scipy.spatial.distance.jensenshannon, base 2)
  std:  [a, ...]                 -> population standard deviation (numpy.std, ddof=0)
"""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance


def shares(counts):
    counts = np.asarray(counts, dtype=float)
    return counts / counts.sum()


def main():
    request = json.load(sys.stdin)
    answer = {}
    answer["ks"] = [float(stats.ks_2samp(a, b).statistic) for a, b in request.get("ks", [])]
    chi2 = []
    for observed, expected in request.get("chi2", []):
        observed = np.asarray(observed, dtype=float)
        expected = np.asarray(expected, dtype=float)
        expected = expected / expected.sum() * observed.sum()
        result = stats.chisquare(observed, expected)
        chi2.append([float(result.statistic), float(result.pvalue)])
    answer["chi2"] = chi2
    psi = []
    for p, q in request.get("psi", []):
        p = np.maximum(shares(p), 1e-4)
        q = np.maximum(shares(q), 1e-4)
        psi.append(float(np.sum((q - p) * np.log(q / p))))
    answer["psi"] = psi
    answer["js"] = [float(distance.jensenshannon(shares(p), shares(q), base=2)) for p, q in request.get("js", [])]
    answer["std"] = [float(np.std(np.asarray(a, dtype=float))) for a in request.get("std", [])]
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
