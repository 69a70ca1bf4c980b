"""Sample intervals, element values, majors and QA/QC rows of the SYNTHETIC demo survey."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reymud.demo.survey import DemoConfig, element_proportions, profile, total_rey_profiles
from reymud.elements import REY

__all__ = ["DETECTION_LIMITS_PPM", "MAJORS", "build_survey", "dry_density"]

#: Synthetic lab reporting limits (ppm); the least abundant REY are censored in diluted beds.
DETECTION_LIMITS_PPM = {el: 0.01 for el in REY} | {"Tb": 0.05, "Ho": 0.05, "Tm": 0.05, "Lu": 0.05, "Eu": 0.02}
#: Major oxides (wt %) reported, with the red-clay composition used (synthetic, typical of Pacific pelagic clay).
MAJORS = {"SiO2": 54.0, "Al2O3": 16.0, "Fe2O3": 8.6, "MnO": 1.1, "CaO": 1.3, "P2O5": 0.30}
MAJOR_LIMIT_WT = 0.01
APATITE_P2O5_WT = 42.0  # P2O5 content of fish-debris apatite (wt %)
CAO_PER_P2O5 = 1.32  # CaO / P2O5 mass ratio of apatite
P2O5_PER_1000_PPM = 1.0  # wt % P2O5 per 1,000 ppm of excess REY (synthetic assumption)


def _intervals(config: DemoConfig, rng: np.random.Generator, n_cores: int):
    """Contiguous 0.3-0.5 m sample intervals to the core length, with rare unsampled gaps."""
    lo, hi = config.core_length_range_m
    length = np.round(rng.uniform(lo, hi, n_cores), 2)
    max_n = int(np.ceil(hi / config.sample_step_range_m[0])) + 2
    step = np.round(rng.uniform(*config.sample_step_range_m, (n_cores, max_n)), 2)
    gap = np.where(rng.random((n_cores, max_n)) < config.gap_probability,
                   np.round(rng.uniform(*config.gap_range_m, (n_cores, max_n)), 2), 0.0)
    gap[:, 0] = 0.0
    top = np.round(np.cumsum(gap + np.c_[np.zeros(n_cores), step[:, :-1]], axis=1), 2)
    bottom = np.round(top + step, 2)
    bottom = np.minimum(bottom, length[:, None])
    keep = bottom - top >= 0.1
    core = np.broadcast_to(np.arange(n_cores)[:, None], top.shape)
    sampled = np.where(keep, bottom - top, 0.0).sum(axis=1)
    return core[keep], top[keep], bottom[keep], length, np.round(sampled / length, 3)


def build_survey(config: DemoConfig) -> dict:
    """All numbers of the survey: collars, samples (numeric, uncensored), QA/QC rows, CRM values."""
    rng = np.random.default_rng(config.seed)
    cores = total_rey_profiles(config, rng)
    n = config.n_cores
    core, top, bottom, length, recovery = _intervals(config, rng, n)
    depth = top[:, None] + (bottom - top)[:, None] * np.linspace(0.1, 0.9, 5)[None, :]
    shape = profile(depth, cores["layer_top_mbsf"][core, None], cores["layer_thickness_m"][core, None]).mean(axis=1)
    bg = cores["background_ppm"][core]
    excess = (cores["peak_ppm"][core] - bg) * shape
    geo = np.exp(config.geological_noise_sd * rng.standard_normal(len(core)))
    dilute = (rng.random(len(core)) < config.dilution_probability) & (excess < 150.0)
    factor = np.where(dilute, rng.uniform(*config.dilution_range, len(core)), 1.0)
    bg_part, rich_part = bg * geo * factor, excess * geo * factor
    p_bg, p_rich = element_proportions()
    true = bg_part[:, None] * p_bg + rich_part[:, None] * p_rich
    measured = true * np.exp(config.analytical_noise_sd * rng.standard_normal(true.shape))
    majors = _majors(rich_part, dilute, rng)
    ids = np.array([f"SYN-PC{c + 1:02d}" for c in range(n)])
    seq = np.arange(len(core)) - np.searchsorted(core, core)
    samples = pd.DataFrame({
        "sample_id": pd.Series(ids[core]) + "-" + pd.Series(seq + 1).astype(str).str.zfill(3),
        "core_id": ids[core], "top_mbsf": top, "bottom_mbsf": bottom, "sample_type": "sample", "reference": "",
    })
    samples[list(REY)] = measured
    samples[list(MAJORS)] = majors
    crm = _crm_values(p_rich, p_bg)
    qc, dups = _qaqc_rows(config, rng, samples, true, rich_part, dilute, crm)
    samples["dry_density_g_cm3"] = dry_density(config, core, seq)
    collars = pd.DataFrame({
        "core_id": ids, "cruise": "SYN-DEMO-2026", "site": [f"S{c + 1:02d}" for c in range(n)], "hole": "A",
        "latitude": np.round(cores["latitude"], 5), "longitude": np.round(cores["longitude"], 5),
        "water_depth_m": np.round(cores["water_depth_m"], 0), "core_length_m": length, "recovery": recovery,
    })
    return {"collars": collars, "samples": samples, "qaqc": qc, "duplicate_parents": dups, "crm": crm,
            "cores": pd.DataFrame(cores | {"core_id": ids})}


def dry_density(config: DemoConfig, core: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Measured dry bulk density (g/cm3 == t/m3) of every ``density_every_n``-th sample of a core, else NaN.

    Dry density = (1 - porosity) x grain density, with porosity drawn per sample from a normal
    distribution of mean ``porosity_mean`` (0.78) and sd ``porosity_sd`` (0.012), truncated at
    +-3 sd (no sample outside 0.46-0.64 g/cm3), grain density
    ``grain_density_g_cm3`` (2.5). Basis: DOMAIN.md section 1 -- the Takaya et al. 2018 totals
    imply a dry bulk density of about 0.55 g/cm3 (0.54-0.57), consistent with red clay of porosity
    75-80 % and grain density about 2.5 g/cm3 (2.5 x 0.22 = 0.55); the spread (sd about 0.03 g/cm3,
    0.75-0.80 porosity giving 0.50-0.63 g/cm3) is a SYNTHETIC assumption. Drawn from its own
    random stream (seeded by ``config.seed``) so the other demo numbers do not change with it.
    Rounded to 3 decimals as a lab reports it.
    """
    n = len(core)
    out = np.full(n, np.nan)
    every = int(config.density_every_n)
    if every == 0 or n == 0:
        return out
    rng = np.random.default_rng([int(config.seed), 8])
    porosity = config.porosity_mean + config.porosity_sd * np.clip(rng.standard_normal(n), -3.0, 3.0)
    value = np.round((1.0 - porosity) * config.grain_density_g_cm3, 3)
    measured = (seq % every) == (every // 2)
    out[measured] = value[measured]
    return out


def _majors(rich_part: np.ndarray, diluted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    p2o5_apatite = P2O5_PER_1000_PPM * rich_part / 1000.0
    apatite_frac = p2o5_apatite / APATITE_P2O5_WT
    clay = np.array(list(MAJORS.values()))
    clay = np.where(diluted[:, None], clay * np.array([1.25, 0.8, 0.6, 0.5, 1.0, 0.8]), clay)
    out = clay * (1.0 - apatite_frac[:, None])
    names = list(MAJORS)
    out[:, names.index("P2O5")] += p2o5_apatite
    out[:, names.index("CaO")] += CAO_PER_P2O5 * p2o5_apatite
    return out * np.exp(0.02 * rng.standard_normal(out.shape))


def _crm_values(p_rich: np.ndarray, p_bg: np.ndarray) -> pd.Series:
    """Synthetic 'certified' composition of SYNTHETIC-CRM-A (a REY-rich mud, 1,500 ppm total REY)."""
    rey = 300.0 * p_bg + 1200.0 * p_rich
    majors = np.array([48.0, 13.5, 7.2, 0.9, 2.9, 1.5])
    values = np.concatenate([rey, majors])
    digits = np.maximum(2 - np.floor(np.log10(values)).astype(int), 0)
    return pd.Series(np.round(values * 10.0**digits) / 10.0**digits, index=[*REY, *MAJORS])


def _qaqc_rows(config, rng, samples, true, rich_part, dilute, crm):
    n = len(samples)
    batches = np.arange(0, n, config.batch_size)
    rows = []
    parents = []
    for b, start in enumerate(batches, start=1):  # one loop step per lab batch, not per sample
        stop = min(start + config.batch_size, n)
        parent = int(rng.integers(start, stop))
        parents.append(parent)
        base = {"sample_type": "crm", "reference": config.crm_name, "core_id": "", "top_mbsf": np.nan,
                "bottom_mbsf": np.nan, "sample_id": f"SYN-CRM-{b:02d}", "batch_end": stop}
        crm_meas = crm.to_numpy() * np.exp(0.025 * rng.standard_normal(len(crm)))
        rows.append(base | dict(zip(crm.index, crm_meas, strict=True)))
        blank = np.concatenate([[DETECTION_LIMITS_PPM[el] for el in REY], np.full(len(MAJORS), MAJOR_LIMIT_WT)])
        blank = blank * rng.uniform(0.0, 0.8, len(blank))
        rows.append(base | {"sample_type": "blank", "reference": "", "sample_id": f"SYN-BLK-{b:02d}"}
                    | dict(zip(crm.index, blank, strict=True)))
    qc = pd.DataFrame(rows)
    dup = samples.iloc[parents].copy()
    dup_true = true[parents] * np.exp(config.analytical_noise_sd * rng.standard_normal(true[parents].shape))
    dup[list(REY)] = dup_true
    dup[list(MAJORS)] = samples.iloc[parents][list(MAJORS)].to_numpy() * np.exp(
        0.02 * rng.standard_normal((len(parents), len(MAJORS))))
    dup["reference"] = dup["sample_id"]
    dup["sample_id"] = dup["sample_id"] + "-DUP"
    dup["sample_type"] = "duplicate"
    dup["batch_end"] = np.minimum(batches + config.batch_size, n)
    return pd.concat([qc, dup], ignore_index=True), np.array(parents)
