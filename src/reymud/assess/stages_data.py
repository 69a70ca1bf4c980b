"""Assessment stages on the data: import log, QA/QC, geochemistry, layers and depth window.

Each stage takes the run context and the products it needs and returns its own frozen product
(:mod:`reymud.assess.products`); the signatures are the stages' declarations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from reymud import cores as core_stage
from reymud import geochem
from reymud.assess.products import (
    CoresProduct,
    DataProduct,
    GeochemProduct,
    QaqcProduct,
    RunContext,
    WindowProduct,
)
from reymud.assess.results import jsonable, records
from reymud.elements import REY
from reymud.ingest import blank_check, crm_stats, duplicate_pairs
from reymud.spatial.points import window_points

__all__ = ["stage_cores", "stage_data", "stage_geochem", "stage_qaqc", "stage_window"]

GEOCHEM_STAT_VARIABLES: tuple[str, ...] = (
    "total_rey_ppm", "total_rey_no_ce_ppm", "lree_ppm", "hree_ppm", "treo_ppm", "ce_anomaly", "eu_anomaly", "y_ho",
)
CORE_SUMMARY_COLUMNS: tuple[str, ...] = (
    "core_id", "latitude", "longitude", "water_depth_m", "n_layers", "layer_top_mbsf", "layer_base_mbsf",
    "layer_thickness_m", "mean_total_rey_ppm", "peak_total_rey_ppm", "peak_depth_mbsf",
)
LAYER_COLUMNS: tuple[str, ...] = (
    "core_id", "layer", "top_mbsf", "base_mbsf", "thickness_m", "mean_total_rey_ppm", "peak_total_rey_ppm",
    "peak_depth_mbsf",
)


def _present(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[str]:
    return [c for c in columns if c in frame.columns]


def stage_data(ctx: RunContext) -> DataProduct:
    """Import log, counts and censoring of the project's data (section ``data``)."""
    project = ctx.project
    imports, assays, cores = project.imports(), project.assays(), project.cores()
    samples = project.samples()
    if samples.empty:
        raise ValueError(f"project {project.path} holds no samples: ingest assay files first "
                         "(reymud ingest PROJECT FILES...)")
    import_cols = _present(imports, ("file_name", "sha256", "kind", "n_rows", "n_values", "n_censored", "status"))
    ctx.timestamps["imports"] = {str(r.file_name): jsonable(r.imported_at)
                                   for r in imports[["file_name", "imported_at"]].itertuples()}
    counts = samples.attrs.get("censored_counts", {}) or {}
    section = {
        "n_cores": len(cores),
        "n_samples": len(samples),
        "n_assays": len(assays),
        "n_analytes": int(assays["analyte"].nunique()) if len(assays) else 0,
        "sample_top_mbsf": jsonable(samples["top_mbsf"].min()),
        "sample_base_mbsf": jsonable(samples["bottom_mbsf"].max()),
        "water_depth_min_m": jsonable(cores["water_depth_m"].min()) if len(cores) else None,
        "water_depth_max_m": jsonable(cores["water_depth_m"].max()) if len(cores) else None,
        "imports": records(imports[import_cols]),
        "censored_counts": {str(k): int(v) for k, v in counts.items()},
        "censored_policy": str(samples.attrs.get("censored_policy", "half_limit")),
        "n_censored_values": int(sum(int(v) for v in counts.values())),
        "sample_length_mean_m": jsonable((samples["bottom_mbsf"] - samples["top_mbsf"]).mean()),
        "core_length_mean_m": jsonable(cores["core_length_m"].mean()) if "core_length_m" in cores else None,
        "recovery_mean": jsonable(cores["recovery"].mean()) if "recovery" in cores else None,
        "recovery_min": jsonable(cores["recovery"].min()) if "recovery" in cores else None,
    }
    return DataProduct(samples=samples, cores=cores, assays=assays, section=section)


def _certified_values(ctx: RunContext) -> tuple[pd.DataFrame | None, str]:
    """Certified CRM values: ``config.crm_values_path`` or a ``*crm_values*.csv`` in the project's files."""
    path = ctx.config.crm_values_path
    if path is None:
        found = sorted(Path(ctx.project.artifact_dir).rglob("*crm_values*.csv"))
        path = found[0] if found else None
    if path is None:
        return None, "none found (give crm_values_path)"
    table = pd.read_csv(path, comment="#")
    table = table.rename(columns={"crm_name": "reference", "crm": "reference", "certified": "certified_value"})
    missing = [c for c in ("reference", "analyte", "certified_value") if c not in table.columns]
    if missing:
        raise ValueError(f"CRM certified values {path}: missing column(s) {missing}; expected "
                         "crm_name (or reference), analyte, certified_value[, uncertainty_2sd]")
    return table, Path(path).name


def stage_qaqc(ctx: RunContext, data: DataProduct) -> QaqcProduct:
    """CRM accuracy, duplicate precision and blank levels (section ``qaqc``)."""
    qaqc = ctx.project.qaqc()
    assays = data.assays
    n_by_type = qaqc.drop_duplicates("sample_id")["qc_type"].value_counts() if len(qaqc) else pd.Series(dtype=int)
    crm = crm_stats(qaqc) if (qaqc["qc_type"] == "crm").any() else pd.DataFrame(
        columns=["reference", "analyte", "unit", "n", "mean", "sd", "rsd_pct"])
    certified, source = _certified_values(ctx)
    if certified is not None:
        keep = _present(certified, ("reference", "analyte", "certified_value", "uncertainty_2sd"))
        crm = crm.merge(certified[keep], on=["reference", "analyte"], how="left")
    elif len(crm):
        ctx.warnings.append("QA/QC: no certified CRM values (give crm_values_path); CRM bias not computed")
    crm["certified"] = crm.get("certified_value", pd.Series(np.nan, index=crm.index)).astype(float)
    crm["bias_pct"] = 100.0 * (crm["mean"] - crm["certified"]) / crm["certified"]
    if "uncertainty_2sd" in crm.columns:
        crm["within_2sd"] = (crm["mean"] - crm["certified"]).abs() <= crm["uncertainty_2sd"]
    crm = crm.drop(columns=["certified_value"], errors="ignore")

    pairs = duplicate_pairs(qaqc, assays) if (qaqc["qc_type"] == "duplicate").any() else pd.DataFrame(
        columns=["analyte", "value", "parent_value", "rel_diff_pct"])
    dup = _duplicate_precision(pairs)
    blanks = _blank_summary(qaqc, blank_check(qaqc) if (qaqc["qc_type"] == "blank").any() else None)
    section = {
        "n_crm": int(n_by_type.get("crm", 0)),
        "n_duplicate": int(n_by_type.get("duplicate", 0)),
        "n_blank": int(n_by_type.get("blank", 0)),
        "certified_values_source": source,
        "crm": records(crm),
        "duplicates": records(dup),
        "blanks": records(blanks),
    }
    return QaqcProduct(crm=crm, duplicates=dup, duplicate_pairs=pairs, blanks=blanks, section=section)


def _duplicate_precision(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per analyte: pairs, median / 90th percentile relative difference and pooled CV (RMS, %).

    The pooled CV is ``100 sqrt(mean(((a - b)^2 / 2) / ((a + b) / 2)^2))`` (Stanley & Lawie 2007,
    CV_RMS), reported as ``precision_pct``.
    """
    ok = pairs.dropna(subset=["value", "parent_value"])
    ok = ok[(ok["value"] + ok["parent_value"]) > 0]
    a, b = ok["value"].to_numpy(float), ok["parent_value"].to_numpy(float)
    cv2 = ((a - b) ** 2 / 2.0) / ((a + b) / 2.0) ** 2
    frame = pd.DataFrame({"analyte": ok["analyte"].to_numpy(), "cv2": cv2, "rpd": 100 * np.abs(a - b) / ((a + b) / 2)})
    out = frame.groupby("analyte", sort=False).agg(
        n_pairs=("cv2", "size"), median_rpd_pct=("rpd", "median"),
        p90_rpd_pct=("rpd", lambda s: float(np.percentile(s, 90))), cv2=("cv2", "mean")).reset_index()
    out["precision_pct"] = 100.0 * np.sqrt(out.pop("cv2"))
    return out


def _blank_summary(qaqc: pd.DataFrame, check: pd.DataFrame | None) -> pd.DataFrame:
    blanks = qaqc[qaqc["qc_type"] == "blank"]
    out = blanks.groupby("analyte", sort=False)["value"].agg(n="size", mean="mean", max="max").reset_index()
    if check is not None:
        keep = _present(check, ("analyte", "detection_limit", "n_above_limit", "n_censored"))
        out = out.merge(check[keep], on="analyte", how="left")
    return out


def stage_geochem(ctx: RunContext, data: DataProduct) -> GeochemProduct:
    """Derived geochemistry of every sample and summary statistics (section ``geochemistry``)."""
    cfg = geochem.GeochemConfig()  # published class bounds; rey_threshold_ppm drives layers and the domain
    samples = geochem.summarise(data.samples, cfg)
    variables = [v for v in (*GEOCHEM_STAT_VARIABLES, *REY) if v in samples.columns]
    values = samples[variables].astype(float)
    stats = pd.DataFrame({
        "variable": variables,
        "n": values.notna().sum().to_numpy(),
        "mean": values.mean().to_numpy(), "median": values.median().to_numpy(),
        "min": values.min().to_numpy(), "max": values.max().to_numpy(),
        "p10": values.quantile(0.1).to_numpy(), "p90": values.quantile(0.9).to_numpy(),
    })
    classes = samples["rey_class"].astype(str).value_counts()
    section = {
        "n_samples": len(samples),
        "stats": records(stats),
        "class_counts": {str(k): int(v) for k, v in classes.items()},
        "config": jsonable(cfg),
        "notes": [str(n) for n in samples.attrs.get("notes", [])],
    }
    return GeochemProduct(samples=samples, config=cfg, section=section)


def stage_cores(ctx: RunContext, data: DataProduct, chem: GeochemProduct) -> CoresProduct:
    """REY-rich layers and the per-core table (section ``cores``), on the plan's sample support
    (as ``reymud cores`` and the estimate's window)."""
    cfg, samples = ctx.config, chem.samples
    support = cfg.plan().support()
    layers = core_stage.find_layers(samples, threshold=cfg.rey_threshold_ppm, max_gap_m=cfg.max_gap_m,
                                    support=support)
    summary = core_stage.core_summary(samples, data.cores, threshold=cfg.rey_threshold_ppm,
                                      max_gap_m=cfg.max_gap_m, support=support)
    section = {
        "threshold_ppm": cfg.rey_threshold_ppm,
        "max_gap_m": cfg.max_gap_m,
        "n_layers": len(layers),
        "n_cores_with_layers": int(layers["core_id"].nunique()) if len(layers) else 0,
        "core_summary": records(summary[_present(summary, CORE_SUMMARY_COLUMNS)]),
        "layers": records(layers[_present(layers, LAYER_COLUMNS)]),
    }
    return CoresProduct(layers=layers, core_summary=summary, section=section)


def stage_window(ctx: RunContext, data: DataProduct, chem: GeochemProduct) -> WindowProduct:
    """Depth-window statistics per core, projected (section ``window``; frame ``window_points``)."""
    cfg, samples = ctx.config, chem.samples
    # the one builder of the estimation points, with its default columns (same as `reymud estimate`)
    points = window_points(samples, data.cores, cfg.plan(),
                           threshold=cfg.rey_threshold_ppm if cfg.thickness_above_threshold else None)
    crs = str(points.attrs.get("crs", cfg.crs or ""))
    dropped = points.attrs.get("dropped_cores", [])
    if dropped:
        ctx.warnings.append(f"window: {len(dropped)} core(s) without data in the window left out: "
                              f"{', '.join(dropped)}")
    if points["total_rey_ppm"].notna().sum() < 3:
        raise ValueError(f"only {int(points['total_rey_ppm'].notna().sum())} core(s) have grades in {cfg.window_top_mbsf}-{cfg.window_base_mbsf} "
                         "mbsf; estimation needs at least 3 (widen the window or add cores)")
    shown = _present(points, ("core_id", "latitude", "longitude", "easting", "northing", "thickness_m",
                              "overburden_m", "total_rey_ppm"))
    section = {
        "core_spacing_m": _spacing(points[["easting", "northing"]].to_numpy(float)),
        "top_mbsf": cfg.window_top_mbsf,
        "base_mbsf": cfg.window_base_mbsf,
        "domain": "rey_rich" if cfg.thickness_above_threshold else "window",
        "crs": crs,
        "n_points": len(points),
        "mean_thickness_m": jsonable(points["thickness_m"].mean()),
        "mean_total_rey_ppm": jsonable(points["total_rey_ppm"].mean()),
        "points": records(points[shown]),
    }
    return WindowProduct(points=points, crs=crs, section=section)


def _spacing(xy: np.ndarray) -> dict[str, float]:
    """Distance from each core to its nearest neighbour (m): min, mean, max (JORC 'data spacing')."""
    dist, _ = cKDTree(xy).query(xy, k=2)
    nearest = dist[:, 1]
    return {"min": float(nearest.min()), "mean": float(nearest.mean()), "max": float(nearest.max())}
