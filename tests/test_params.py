"""core.params: the constraint types by hand, and one walk over every constraint table in core.

The walk discovers the tables (module-level ``*_CONSTRAINTS`` dicts and classes with a
``_parameter_constraints`` dict, in every ``core`` module), checks they are well formed, and
calls each table's public owner with every generated invalid value, expecting a ParameterError
in the one message shape that names exactly the declared constraint. A table without a caller
below fails :func:`test_every_table_has_a_caller`, so a new table cannot go unchecked.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pytest

import core
from core.errors import ParameterError
from core.params import (
    Boolean,
    Constraint,
    Interval,
    Options,
    StrOptions,
    Text,
    describe,
    invalid_values,
    is_allowed,
    validate_fields,
    validate_params,
)

# ----------------------------------------------------------------------------------------------
# The constraint types, by hand
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("interval, good, bad", [
    (Interval(Integral, 1, None, closed="left"), [1, 2, np.int64(7), 10**30], [0, -1, 1.0, 2.5, True, "2", None]),
    (Interval(Integral, 0, 3, closed="neither"), [1, 2], [0, 3, -1, 4]),
    (Interval(Real, 0, 1), [0, 0.0, 1, 1.0, 0.5, np.float32(0.25)], [-1e-9, 1.0000001, np.nan, "0.5", False]),
    (Interval(Real, 0, 1, closed="right"), [1e-12, 1.0], [0, 0.0, 1.1]),
    (Interval(Real, 0, 1, closed="left"), [0.0, 0.999], [1.0, -0.1]),
    (Interval(Real, 0, None, closed="neither"), [1e-9, 1e300], [0.0, np.inf, -1.0]),
    (Interval(Real, None, None), [-1e300, 0, 1e300, 10**400], [np.inf, -np.inf, np.nan, None, True]),
], ids=["int>=1", "int(0,3)", "real[0,1]", "real(0,1]", "real[0,1)", "real>0", "real-finite"])
def test_interval_by_hand(interval, good, bad):
    for v in good:
        assert interval.is_satisfied_by(v), v
    for v in bad:
        assert not interval.is_satisfied_by(v), v


@pytest.mark.parametrize("constraint, text", [
    (Interval(Integral, 1, None, closed="left"), "an int in the range [1, inf)"),
    (Interval(Integral, 0, 2**32 - 1), "an int in the range [0, 4294967295]"),
    (Interval(Real, 0.0, 1.0, closed="right"), "a real number in the range (0, 1]"),
    (Interval(Real, -1.0, 1.0), "a real number in the range [-1, 1]"),
    (Interval(Real, 0, None, closed="neither"), "a real number in the range (0, inf)"),
    (Interval(Real, None, 0.5, closed="neither"), "a real number in the range (-inf, 0.5)"),
    (Interval(Real, None, None), "a finite real number"),
    (Interval(Integral, None, None), "an int"),
    (StrOptions({"weighted", "concat"}), "a str among {'concat', 'weighted'}"),
    (Options(int, {3, 1}), "a int among {1, 3}"),
    (Boolean(), "a bool"),
    (Text(), "a str"),
    (Text(nonempty=True), "a non-empty str"),
])
def test_descriptions(constraint, text):
    assert str(constraint) == text


def test_describe_joins_a_list_and_names_none():
    assert describe([Interval(Integral, 1, None, closed="left"), None]) == \
        "an int in the range [1, inf) or None"
    assert describe([StrOptions({"a"}), Boolean(), None]) == "a str among {'a'}, a bool or None"


def test_options_are_type_strict():
    assert StrOptions({"a", "b"}).is_satisfied_by("a")
    assert not StrOptions({"a", "b"}).is_satisfied_by("c")
    assert not StrOptions({"1"}).is_satisfied_by(1)
    assert Options(int, {0, 1}).is_satisfied_by(np.int64(1)) is False  # not a Python int
    assert Options(int, {0, 1}).is_satisfied_by(1)
    assert not Options(int, {0, 1}).is_satisfied_by(True)  # a bool is not an int option
    assert Boolean().is_satisfied_by(np.bool_(True)) and not Boolean().is_satisfied_by(1)
    assert Text(nonempty=True).is_satisfied_by(" x") and not Text(nonempty=True).is_satisfied_by(" ")


def test_constraints_are_hashable_values():
    assert Interval(Real, 0, 1) == Interval(Real, 0, 1) and hash(Interval(Real, 0, 1)) == hash(Interval(Real, 0, 1))
    assert StrOptions(("a", "b")) == StrOptions({"b", "a"}) != Options(str, {"a", "c"})
    assert len({Boolean(), Boolean(), Text(), Text(nonempty=True)}) == 3


@pytest.mark.parametrize("args, exc", [
    ((float, 0, 1), TypeError),
    ((Real, 1, 0), ValueError),
    ((Real, 0, 1, "open"), ValueError),
])
def test_malformed_interval_is_a_programming_error(args, exc):
    with pytest.raises(exc):
        Interval(*args)


def test_validate_params_message_shape_and_unknown_names():
    table = {"k": [Interval(Integral, 1, None, closed="left")], "how": [StrOptions({"a", "b"}), None]}
    validate_params("Owner", table, {"k": 3, "how": None})
    validate_params("Owner", table, {"how": "a"})
    with pytest.raises(ParameterError) as err:
        validate_params("Owner", table, {"k": 0})
    assert str(err.value) == "The 'k' parameter of Owner must be an int in the range [1, inf). Got 0 instead."
    with pytest.raises(ParameterError) as err:
        validate_params("Owner", table, {"how": "c"})
    assert str(err.value) == "The 'how' parameter of Owner must be a str among {'a', 'b'} or None. Got 'c' instead."
    with pytest.raises(ParameterError, match=r"Owner got an unexpected parameter 'x'; allowed parameters are \['how', 'k'\]"):
        validate_params("Owner", table, {"x": 1})


def test_validate_fields_checks_in_table_order():
    @dataclass(frozen=True)
    class Conf:
        a: float = 0.5
        b: bool = True

    table = {"a": [Interval(Real, 0, 1)], "b": [Boolean()]}
    validate_fields("Conf", Conf(), table)
    with pytest.raises(ParameterError, match=r"^The 'a' parameter of Conf must be a real number in the range \[0, 1\]\. Got 2 instead\.$"):
        validate_fields("Conf", Conf(a=2, b="no"), table)
    with pytest.raises(ParameterError, match=r"^The 'b' parameter of Conf must be a bool\. Got 'no' instead\.$"):
        validate_fields("Conf", Conf(b="no"), table)


def test_invalid_values_leave_out_what_another_constraint_allows():
    allowed = [Interval(Integral, 1, None, closed="left"), None]
    bad = invalid_values(allowed)
    assert None not in bad and 0 in bad and 1.5 in bad
    assert not any(is_allowed(v, allowed) for v in bad)
    # 3 is the wrong type for StrOptions, but the int interval allows it
    mixed = [StrOptions({"auto"}), Interval(Integral, 0, 10)]
    assert 3 not in invalid_values(mixed) and "not-an-option" in invalid_values(mixed)
    reals = invalid_values([Interval(Real, 0, 1)])
    assert any(isinstance(v, float) and math.isnan(v) for v in reals) and math.inf in reals
    assert -0.001 in reals and 1.002 in reals
    assert invalid_values([Interval(Real, 0, 1, closed="neither")])[-2:] == [0, 1]


# ----------------------------------------------------------------------------------------------
# Discovery: every constraint table declared in core
# ----------------------------------------------------------------------------------------------


def _core_modules():
    for info in pkgutil.walk_packages(core.__path__, "core."):
        if info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


def discover_tables() -> dict:
    """``{table id: {name: [constraint, ...]}}`` for every table in core.

    Ids: ``module.NAME`` for a module-level ``*CONSTRAINTS`` dict (``module.NAME[key]`` for
    each entry of a dict of tables), ``module.Class`` for a ``_parameter_constraints`` dict.
    A table that several modules hold (a package re-exports its submodule's, or one module
    imports another's) is one table, named by the shortest module path that holds it: the
    public one (``core.fusion.GRAPH_CONSTRAINTS``, defined in ``core.fusion.affinity``).
    """
    tables = {}
    holders = {}  # id(table) -> (module name, attribute, table), the shortest module path kept
    for mod in _core_modules():
        for attr, value in vars(mod).items():
            if attr.endswith("CONSTRAINTS") and isinstance(value, dict):
                held = holders.get(id(value))
                if held is None or len(mod.__name__) < len(held[0]):
                    holders[id(value)] = (mod.__name__, attr, value)
            elif (inspect.isclass(value) and value.__module__ == mod.__name__
                  and isinstance(value.__dict__.get("_parameter_constraints"), dict)):
                tables[f"{mod.__name__}.{attr}"] = value.__dict__["_parameter_constraints"]
    for name, attr, value in holders.values():
        if value and all(isinstance(v, dict) for v in value.values()):
            for key, sub in value.items():
                tables[f"{name}.{attr}[{key}]"] = sub
        else:
            tables[f"{name}.{attr}"] = value
    return tables


TABLES = discover_tables()


def test_discovery_finds_the_known_tables():
    # A floor, so a broken discovery cannot pass the walk with nothing to walk.
    for table_id in ("core.fusion.REDUCER_CONSTRAINTS", "core.fusion.GRAPH_CONSTRAINTS",
                     "core.clustering.CLUSTER_CONSTRAINTS[kmeans]", "core.clustering._KMEANS_CONSTRAINTS",
                     "core.metrics.METRIC_CONSTRAINTS", "core.indicator_config.IndicatorConfig",
                     "core.rules.Rule", "core.rules.RuleSet"):
        assert table_id in TABLES


@pytest.mark.parametrize("table_id", sorted(TABLES))
def test_tables_are_well_formed(table_id):
    table = TABLES[table_id]
    assert table, table_id
    for name, allowed in table.items():
        assert isinstance(name, str) and name.isidentifier(), name
        assert isinstance(allowed, list) and allowed, f"{table_id}[{name!r}] must be a non-empty list"
        for c in allowed:
            assert c is None or isinstance(c, Constraint), f"{table_id}[{name!r}]: {c!r}"
        assert invalid_values(allowed), f"{table_id}[{name!r}] generates no invalid value"


def test_validation_lives_in_one_place():
    root = Path(core.__file__).parent
    defining = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                      if re.search(r"^def validate_(params|fields)\b|^class (Interval|StrOptions|Options)\b",
                                   p.read_text(encoding="utf-8"), re.M))
    assert defining == ["params.py"]


def test_dataclass_tables_cover_every_field():
    for table_id, table in TABLES.items():
        mod, _, name = table_id.rpartition(".")
        cls = getattr(importlib.import_module(mod), name.split("[")[0])
        if inspect.isclass(cls) and dataclasses.is_dataclass(cls):
            assert {f.name for f in dataclasses.fields(cls)} == set(table), table_id


# ----------------------------------------------------------------------------------------------
# Callers: how each table's owner is reached through its public entry
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def emb():
    from core.fusion import ModalityReducer

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 8)
    audio = rng.normal(size=(3, 6))[y] + 0.2 * rng.normal(size=(len(y), 6))
    lyrics = rng.normal(size=(3, 5))[y] + 0.2 * rng.normal(size=(len(y), 5))
    return ModalityReducer(n_components=4, seed=0).fit_transform(audio, lyrics)


@dataclass(frozen=True)
class Caller:
    """Calls a table's owner with ``overrides`` on top of valid arguments."""

    owner: str  # as it appears in the message (a regex)
    call: Callable  # call(emb, overrides)
    expect: Optional[str] = None  # id of the table the owner checks against, if not its own


def _cluster(algorithm):
    from core.clustering import CLUSTER_CONSTRAINTS, cluster

    fusion = sorted(CLUSTER_CONSTRAINTS[algorithm]["fusion"][0].options)[0]

    def call(emb, over):
        kw = {"algorithm": algorithm, "n_clusters": 3, "seed": 0, "fusion": fusion, **over}
        return cluster(emb, np.full(emb.n_tracks, 0.5), **kw)
    return call


def _kmeans(cls_name):
    def call(emb, over):
        from core import clustering

        est = getattr(clustering, cls_name)(**{"n_clusters": 3, **over})
        if cls_name == "WeightedKMeans":
            return est.fit(emb, np.full(emb.n_tracks, 0.5))
        return est.fit(np.hstack([emb.audio, emb.lyrics]))
    return call


def _reducer(emb, over):
    from core.fusion import ModalityReducer

    return ModalityReducer(**{"n_components": 3, **over}).fit(emb.audio, emb.lyrics)


def _graphs(emb, over):
    from core.fusion import build_graphs

    return build_graphs(emb, **{"n_neighbors": 4, **over})


def _scorer(emb, over):
    from core.metrics import InternalScorer

    return InternalScorer(emb.audio, **over)


def _indicator_config(emb, over):
    from core.indicators import IndicatorConfig

    return IndicatorConfig(**over)


def _rule(emb, over):
    from core.rules import Rule

    return Rule(**{"name": "r", "indicator": "loudness_dbfs", "op": ">", "threshold": -20.0,
                   "delta": 0.1, **over})


def _ruleset(emb, over):
    from core.rules import RuleSet

    return RuleSet(**over)


def _projection(emb, over):
    from core.projection import ProjectionConfig, project

    return project(np.hstack([emb.audio, emb.lyrics]), ProjectionConfig(**{"method": "pca", **over}))


_CLUSTER_OWNER = r"cluster(\(algorithm='\w+'\))?"
CALLERS = {
    "core.fusion.REDUCER_CONSTRAINTS": [Caller("ModalityReducer", _reducer)],
    "core.fusion.GRAPH_CONSTRAINTS": [Caller("build_graphs", _graphs)],
    "core.metrics.METRIC_CONSTRAINTS": [Caller("InternalScorer", _scorer)],
    "core.clustering.SHARED_CONSTRAINTS": [
        Caller(_CLUSTER_OWNER, _cluster("kmeans"), expect="core.clustering.CLUSTER_CONSTRAINTS[kmeans]")],
    **{f"core.clustering.CLUSTER_CONSTRAINTS[{a}]": [Caller(_CLUSTER_OWNER, _cluster(a))]
       for a in ("kmeans", "agglomerative", "spectral", "gmm", "hdbscan")},
    "core.clustering._KMEANS_CONSTRAINTS": [Caller("FusedKMeans", _kmeans("FusedKMeans")),
                                            Caller("WeightedKMeans", _kmeans("WeightedKMeans"))],
    "core.indicator_config.IndicatorConfig": [Caller("IndicatorConfig", _indicator_config)],
    "core.rules.Rule": [Caller("Rule", _rule)],
    "core.rules.RuleSet": [Caller("RuleSet", _ruleset)],
    "core.projection.PROJECTION_CONSTRAINTS": [Caller("ProjectionConfig", _projection)],
}


def test_every_table_has_a_caller():
    assert set(TABLES) == set(CALLERS), (
        "tables without a caller in tests/test_params.py: "
        f"{sorted(set(TABLES) - set(CALLERS))}; stale callers: {sorted(set(CALLERS) - set(TABLES))}")


@pytest.mark.parametrize("table_id", sorted(CALLERS))
def test_valid_baseline_calls_pass(table_id, emb):
    # The walk below changes one argument at a time on top of this call, which must succeed.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for caller in CALLERS[table_id]:
            caller.call(emb, {})


def _cases():
    cases = []
    for table_id in sorted(TABLES):
        for name, allowed in TABLES[table_id].items():
            for bad in invalid_values(allowed):
                cases.append(pytest.param(table_id, name, bad, id=f"{table_id}:{name}={bad!r}"))
    return cases


CASES = _cases()


@pytest.mark.parametrize("table_id, name, bad", CASES)
def test_every_declared_constraint_is_enforced(table_id, name, bad, emb):
    for caller in CALLERS[table_id]:
        with pytest.raises(ParameterError) as err:
            caller.call(emb, {name: bad})
        allowed = TABLES[caller.expect or table_id][name]
        pattern = (rf"The '{name}' parameter of {caller.owner} must be {re.escape(describe(allowed))}\. "
                   rf"Got {re.escape(repr(bad))} instead\.")
        assert re.fullmatch(pattern, str(err.value), re.S), str(err.value)
