"""Real columns against an outside oracle: R's published fits (fitdistrplus) and scipy.

The datasets and R's numbers live in ``../shared/reference/realdata/`` beside the
project (CI has it; a user's clone does not, and then these tests skip).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import bestfit_accessor

from ..helpers import REALDATA, requires_realdata

pytestmark = requires_realdata

#: Uncensored continuous columns of the reference folder (toxocara is counts).
DATASETS = ("groundbeef", "endosulfan", "endosulfan_fish_nonaus_log10")


def _column(name: str) -> np.ndarray:
    return pd.read_csv(REALDATA / f"{name}.csv")["value"].to_numpy(dtype=float)


@pytest.fixture(scope="module")
def real_fits() -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame({"value": _column(name)}).bestfit.fit("value", random_state=0)
            for name in DATASETS}  # fmt: skip


@pytest.mark.parametrize("name", DATASETS)
def test_every_candidate_fits_and_reports_the_exact_loglik(real_fits, name):
    """No false failures, and every reported loglik/AIC/BIC is scipy's logpdf sum at
    the reported parameters (1e-6 relative), flagged exact."""
    x = _column(name)
    fits = real_fits[name]
    failed = fits[fits["status"] != "ok"]
    assert failed.empty, failed[["distribution", "message"]].to_string()
    assert fits["loglik_exact"].all()
    assert (fits["n_obs"] == x.size).all() and (fits["n_point_mass"] == 0).all()
    for _, row in fits.iterrows():
        exact = bestfit_accessor.to_scipy(row).logpdf(x).sum()
        assert row["loglik"] == pytest.approx(exact, rel=1e-6), row["distribution"]
        k = row["n_params"]
        assert row["aic"] == pytest.approx(2 * k - 2 * exact, rel=1e-6)
        assert row["bic"] == pytest.approx(k * np.log(x.size) - 2 * exact, rel=1e-6)


def _published() -> list[dict]:
    if not (REALDATA / "references.json").is_file():
        return []  # the module is skipped (requires_realdata); nothing to collect
    entries = json.loads((REALDATA / "references.json").read_text())
    return [e for e in entries if e["dataset"] in DATASETS and not e["censored"]
            and e["loglik"] is not None and e.get("transform") is None]  # fmt: skip


@pytest.mark.parametrize("entry", _published(), ids=lambda e: f"{e['dataset']}-{e['family']}")
def test_published_r_fits_are_reached(real_fits, entry):
    """Our fit (loc free: it nests R's loc = 0 fit) reaches R's published loglik."""
    fits = real_fits[entry["dataset"]]
    row = fits[fits["distribution"] == entry["family"]].iloc[0]
    assert row["status"] == "ok", row["message"]
    assert row["loglik"] >= entry["loglik"] - 1e-3


@pytest.mark.parametrize("name", DATASETS)
def test_best_aic_beats_every_published_fit(real_fits, name):
    published = [e["aic"] for e in json.loads((REALDATA / "references.json").read_text())
                 if e["dataset"] == name and not e["censored"] and e["aic"] is not None]
    best = real_fits[name].iloc[0]
    assert best["rank"] == 1 and best["aic"] <= min(published) + 1e-6


def test_lattice_ties_are_not_a_point_mass(real_fits):
    """groundbeef's serving sizes repeat on a lattice: ties, not an atom."""
    assert "point mass" not in " ".join(real_fits["groundbeef"]["message"])


def test_a_point_mass_is_set_aside_and_named(frame_kind):
    """A log-payment column with 24 % exact zeros: the zeros are one atom, named in
    every row; the distributions are fitted to the rest, exactly."""
    from ..helpers import make_frame

    rng = np.random.default_rng(5)
    x = rng.lognormal(6.0, 1.2, 4_000)
    x[rng.random(x.size) < 0.24] = 0.0
    fits = make_frame(frame_kind, {"pay": x}).bestfit.fit(
        "pay", distributions=["lognorm", "gamma", "weibull_min"], random_state=0)
    zeros = int(np.sum(x == 0.0))
    rest = x[x != 0.0]
    assert (fits["n_point_mass"] == zeros).all() and (fits["n_obs"] == rest.size).all()
    assert fits["message"].str.contains("point mass at 0").all()
    for _, row in fits.iterrows():
        assert row["status"] == "ok"
        frozen = bestfit_accessor.to_scipy(row)
        assert row["loglik"] == pytest.approx(frozen.logpdf(rest).sum(), rel=1e-9)
        assert frozen.support()[0] <= rest.min() and row["params"]["loc"] > -1.0
    assert fits.iloc[0]["distribution"] == "lognorm"
