"""The bench's pure parts: percentiles, ratios and the targets' verdicts (no timing here)."""

from benchmarks.bench import Results, percentile, report_text, target_lines


def test_percentile_is_by_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) in (50.0, 51.0)
    assert percentile(samples, 99) == 99.0
    assert percentile([3.0], 99) == 3.0


def test_ratios_need_both_figures():
    results = Results({"ask_ms_p50": 3.0, "encode_ms_p50": 2.0, "rss_mb": 600.0})
    assert results.ratios() == {"ask/encode": 1.5}


def test_targets_say_met_or_not_and_skip_what_was_not_measured():
    results = Results(
        {
            "ask_ms_p50": 3.0,
            "encode_ms_p50": 2.0,
            "button_ms_p50": 2.5,
            "e2e_ms_p99": 900.0,
        }
    )
    lines = target_lines(results)
    assert [line.split()[0] for line in lines] == ["ask/encode", "button_ms_p50", "e2e_ms_p99"]
    assert lines[0].endswith(" met") and lines[1].endswith("NOT met")
    assert lines[2].endswith(" met")
    assert "SEND_RATE_LIMIT" in report_text(results)
