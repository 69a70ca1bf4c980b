"""Every judgement default of the web dashboard, stated in one place.

:class:`WebConfig` is a frozen dataclass; override a field with
``dataclasses.replace(WebConfig(), max_upload_mb=200.0)`` or pass keyword arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from reymud.spatial.crs import EEZ_RADIUS_KM, MINAMITORISHIMA_LATLON, TAKAYA2018_BOX

__all__ = ["LOOPBACK_HOSTS", "WebConfig"]

#: Host names that only accept connections from this machine; any other bind address makes
#: the write endpoints require a token.
LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class WebConfig:
    """Parameters of :func:`reymud.web.create_app` (units in the names).

    Parameters
    ----------
    max_upload_mb : float
        Largest accepted upload request (all files together, megabytes of 1,000,000 bytes).
        Larger requests get ``413``.
    upload_extensions : tuple of str
        File name endings accepted by ``POST /api/uploads`` (the formats
        :func:`reymud.ingest.read_table` reads).
    max_upload_files : int
        Largest number of files in one upload.
    max_display_cells : int
        Largest number of grid cells returned for a heatmap; bigger grids are block-averaged.
    max_sample_rows : int
        Largest page of ``GET /api/samples`` (rows).
    default_cutoff_ppm : float
        Cut-off shown first on the page (total REY, ppm; Kato et al. 2011 REY-rich threshold).
    curve_cutoffs_ppm : tuple of float
        Cut-offs of ``GET /api/grade-tonnage`` when none are given (start, stop, step in ppm).
    max_curve_points : int
        Largest number of cut-offs in one grade-tonnage request.
    max_jobs_kept : int
        Finished jobs kept in memory (oldest finished are forgotten first).
    job_workers : int
        Background jobs run at the same time (1 keeps writes to the project in order).
    upload_wait_s : float
        How long an upload waits for a running write (an assessment job) before answering 409.
    warm_up : bool
        Load the block model and build the cut-off index in a background thread at start-up
        (a 1,000,000-block model takes seconds; later queries take milliseconds).
    gzip_min_bytes : int
        Responses at least this large are gzip-compressed when the client accepts it (grids for
        the heatmap); smaller tables are sent as they are (compressing them costs more server
        time than it saves on the wire).
    freeze_gc : bool
        After the warm-up, move every object alive then (modules, cached tables, the cut-off
        index) out of the garbage collector's sight (``gc.freeze()``): a full collection of a
        warmed server otherwise stops every request for a while (measured 190-270 ms for 226,000
        tracked objects with a 1,000,000-block model on a shared 2-CPU machine; 0 ms after the
        freeze). Process-wide, so ``reymud serve`` sets it and the default leaves it off.
    ingest_worker : bool
        Ingest uploads, and derive the sample tables of an un-assessed project, in a worker
        process (started with the app when ``warm_up``, else on first use) so reading files and
        pivoting samples do not hold the server's interpreter while other requests are
        answered; False does both in the request's thread.
    eez_radius_km : float
        Radius of the exclusive economic zone drawn on the map (200 nautical miles; the spatial
        stage's ``EEZ_RADIUS_KM``).
    eez_centre_lat_lon : tuple of float
        Centre of the EEZ circle (Minamitorishima, degrees WGS84).
    study_box_lat_lon : tuple of float
        Published study box (lat_min, lat_max, lon_min, lon_max; degrees): Takaya et al. 2018,
        21°48'N-22°15'N, 153°30'E-154°07'E.
    """

    max_upload_mb: float = 50.0
    upload_extensions: tuple[str, ...] = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")
    max_upload_files: int = 20
    max_display_cells: int = 40_000
    max_sample_rows: int = 100_000
    default_cutoff_ppm: float = 400.0
    curve_cutoffs_ppm: tuple[float, float, float] = (0.0, 3_000.0, 50.0)
    max_curve_points: int = 2_000
    max_jobs_kept: int = 50
    job_workers: int = 1
    upload_wait_s: float = 5.0
    warm_up: bool = True
    gzip_min_bytes: int = 100_000
    freeze_gc: bool = False
    ingest_worker: bool = True
    eez_radius_km: float = EEZ_RADIUS_KM
    eez_centre_lat_lon: tuple[float, float] = MINAMITORISHIMA_LATLON
    study_box_lat_lon: tuple[float, float, float, float] = TAKAYA2018_BOX

    def __post_init__(self) -> None:
        checks = [
            (self.max_upload_mb > 0, "max_upload_mb must be positive (megabytes)"),
            (self.max_upload_files >= 1, "max_upload_files must be at least 1"),
            (self.max_display_cells >= 4, "max_display_cells must be at least 4"),
            (self.max_sample_rows >= 1, "max_sample_rows must be at least 1"),
            (self.max_curve_points >= 2, "max_curve_points must be at least 2"),
            (self.job_workers >= 1, "job_workers must be at least 1"),
            (self.max_jobs_kept >= 1, "max_jobs_kept must be at least 1"),
            (self.curve_cutoffs_ppm[2] > 0 and self.curve_cutoffs_ppm[1] > self.curve_cutoffs_ppm[0],
             "curve_cutoffs_ppm must be (start, stop > start, step > 0) in ppm"),
            (all(e.startswith(".") for e in self.upload_extensions),
             "upload_extensions must start with a dot, e.g. '.csv'"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"WebConfig: {message}")

    @property
    def max_upload_bytes(self) -> int:
        """Upload limit in bytes."""
        return int(self.max_upload_mb * 1_000_000)
