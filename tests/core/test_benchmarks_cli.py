"""The benchmark runner keeps the figures a partial run does not measure."""

from __future__ import annotations

import json

from benchmarks.__main__ import earlier_results


def _results_file(tmp_path):
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"machine": {}, "results": {"embed_onnx": {"group": "embedding", "median_s": 1.0},
                                                          "store_write": {"group": "store", "median_s": 2.0}}}))
    return out


def test_a_group_run_keeps_the_other_groups_figures(tmp_path):
    # `python -m benchmarks --group store` once wiped every other group's results.
    kept = earlier_results(_results_file(tmp_path), partial=True)
    assert set(kept) == {"embed_onnx", "store_write"}


def test_a_full_run_starts_empty_and_a_missing_file_is_no_error(tmp_path):
    assert earlier_results(_results_file(tmp_path), partial=False) == {}
    assert earlier_results(tmp_path / "absent.json", partial=True) == {}
