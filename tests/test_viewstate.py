"""Settings <-> URL query parameters: round trips, defaults left out, junk named and ignored."""

from __future__ import annotations

import dataclasses

import pytest

from core.rules import DEFAULT_RULES
from core.views.viewstate import ViewSettings, from_query, to_query, validate_view


def test_default_view_writes_only_the_dataset():
    assert to_query(ViewSettings()) == {"ds": "builtin"}


@pytest.mark.parametrize("view", [
    ViewSettings(algorithm="gmm", seed=3),
    ViewSettings(dataset="/music/x.csv", fusion="weighted", n_clusters=5, projection="pca", dims=3,
                 color_by="loudness_dbfs", track="metal_001"),
    ViewSettings(ruleset=DEFAULT_RULES.replace_rule("loud", threshold=-18.5, delta=0.25)
                 .with_changes(base_weight=0.65, soft=not DEFAULT_RULES.soft, clip=(0.05, 0.95),
                               no_voice_rule=False, voice_floor=0.2)),
], ids=["scalars", "everything-else", "rules"])
def test_round_trip(view):
    query = to_query(view)
    assert all(isinstance(v, str) for v in query.values())
    back, warnings = from_query(query)
    assert warnings == []
    assert back == view


def test_junk_is_named_and_replaced_by_defaults():
    view, warnings = from_query({"algo": "nope", "k": "abc", "base": "7", "t.unknown": "1",
                                 "t.loud": "x", "soft": "maybe", "seed": "4"})
    assert view.algorithm == "kmeans" and view.n_clusters == 0 and view.seed == 4
    assert view.ruleset.base_weight == DEFAULT_RULES.base_weight
    assert view.ruleset.get_rule("loud").threshold == DEFAULT_RULES.get_rule("loud").threshold
    text = " | ".join(warnings)
    for part in ("algorithm='nope'", "k='abc'", "base_weight=7.0", "no rule called 'unknown'", "t.loud='x'",
                 "soft='maybe'"):
        assert part in text


def test_a_link_threshold_the_indicator_cannot_take_is_named_and_ignored():
    view, warnings = from_query({"t.poor_audio": "7.5", "t.poor_lyrics": "0.3", "t.loud": "-75"})
    assert view.ruleset.get_rule("poor_audio").threshold == DEFAULT_RULES.get_rule("poor_audio").threshold
    assert view.ruleset.get_rule("poor_lyrics").threshold == 0.3
    assert view.ruleset.get_rule("loud").threshold == -75.0  # outside the slider's typical range, still possible
    assert len(warnings) == 1 and "t.poor_audio='7.5'" in warnings[0] and "audio_quality can take" in warnings[0]


def test_fusion_must_suit_the_algorithm():
    assert validate_view(ViewSettings(algorithm="gmm", fusion="weighted"))
    assert validate_view(ViewSettings(algorithm="kmeans", fusion="weighted")) == ""
    view, warnings = from_query({"algo": "gmm", "fusion": "weighted"})
    assert view.algorithm == "gmm" and view.fusion == "concat" and warnings


def test_resolved_k():
    assert ViewSettings().resolved_k(10, 400) == 10
    assert ViewSettings().resolved_k(None, 400) == 8
    assert ViewSettings(n_clusters=5).resolved_k(10, 3) == 3
    assert dataclasses.replace(ViewSettings(), n_clusters=4).resolved_k(10, 400) == 4
    # one genre (or k = 1 typed in): one cluster would colour the map one colour while the metric table
    # clustered with 2 (a features file whose genre column held one value showed "k = 1" beside accuracy 0.53)
    assert ViewSettings().resolved_k(1, 60) == 2
    assert dataclasses.replace(ViewSettings(), n_clusters=1).resolved_k(10, 400) == 2
    assert ViewSettings().resolved_k(1, 1) == 1
