# Reference results of R's gstat on the Meuse data, for tests/spatial/test_gstat_agreement.py.
#
# Run from the repository root (needs R >= 4 with the gstat, sp and jsonlite packages):
#
#     Rscript tests/data/gstat_meuse.R
#
# It writes, next to this script,
#   gstat_meuse_reference.csv  one table (column `kind` says which rows are which, see below), values
#                              rounded to 12 significant digits, so the test needs R for nothing;
#   gstat_meuse_fits.json      the fitted variogram models, gstat / sp / R versions, date, command.
#
# Data: `meuse` and `meuse.grid` of R's sp package (Pebesma & Bivand), after Rikken & Van Rijn (1993)
# and Burrough & McDonnell (1998): 155 topsoil samples of the Meuse flood plain (zinc, ppm) and the
# 3,103 nodes of its 40 m prediction grid, coordinates in m (Dutch RD, EPSG:28992).
#
# Rows of the CSV (`kind`):
#   variogram      gstat's default sample variogram of log(zinc)      (lag, np, dist, gamma)
#   variogram_res  the residual variogram of log(zinc) ~ x + y        (lag, np, dist, gamma)
#   data           the 155 samples (x, y, zinc, logzinc) with krige.cv leave-one-out results:
#                  cv_pred, cv_var, cv_residual (observed - predicted), cv_zscore (ordinary kriging,
#                  nmax = 16) and cvuk_pred, cvuk_var (universal kriging, linear drift, nmax = 16)
#   grid           the 3,103 meuse.grid nodes (x, y) with
#                  ok_pred, ok_var    ordinary kriging, nmax = 16, model = fit "ok" of the JSON
#                  uk_pred, uk_var    universal kriging log(zinc) ~ x + y, nmax = 16, model = fit "res"
#                  and at every 5th node only (NA elsewhere)
#                  okg_pred, okg_var  ordinary kriging with all 155 data (no nmax)
#                  blk_pred, blk_var  block kriging, 40 m x 40 m blocks discretised by the 4 x 4
#                                     sub-cell centres (offsets -15, -5, 5, 15 m, equal weights):
#                                     the points reymud's block=(4, 4) uses
#                  blkq_pred, blkq_var  the same blocks with gstat's default discretisation
#                                     (block = c(40, 40): 4 x 4 Gauss-Legendre points and weights)

suppressPackageStartupMessages({
  library(sp)
  library(gstat)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
outdir <- if (length(script)) dirname(normalizePath(script)) else "tests/data"

data(meuse)
data(meuse.grid)
pts <- meuse[, c("x", "y", "zinc")]
coordinates(meuse) <- ~x + y
coordinates(meuse.grid) <- ~x + y

fit_of <- function(v, method) {
  f <- fit.variogram(v, vgm(1, "Sph", 900, 1), fit.method = method)
  list(fit_method = method, nugget = f$psill[1], psill = f$psill[2], range = f$range[2],
       model = "Sph", initial = "vgm(1, \"Sph\", 900, 1)", singular = attr(f, "singular"),
       sserr = attr(f, "SSErr"))
}
as_vgm <- function(f) vgm(f$psill, "Sph", f$range, f$nugget)

# a. sample variograms (gstat defaults: cutoff = diagonal / 3, width = cutoff / 15) and fits
v <- variogram(log(zinc) ~ 1, meuse)
vres <- variogram(log(zinc) ~ x + y, meuse)
fits <- list(ok = fit_of(v, 7), ok_m6 = fit_of(v, 6), ok_m1 = fit_of(v, 1), ok_m2 = fit_of(v, 2),
             res = fit_of(vres, 7))
m_ok <- as_vgm(fits$ok)
m_res <- as_vgm(fits$res)

# b. ordinary kriging, 16 nearest and global
ok <- krige(log(zinc) ~ 1, meuse, meuse.grid, model = m_ok, nmax = 16, debug.level = 0)
every5 <- seq(1, nrow(meuse.grid@coords), by = 5)
sub <- meuse.grid[every5, ]
okg <- krige(log(zinc) ~ 1, meuse, sub, model = m_ok, debug.level = 0)

# c. universal kriging, linear drift in the coordinates, residual-variogram model
uk <- krige(log(zinc) ~ x + y, meuse, meuse.grid, model = m_res, nmax = 16, debug.level = 0)

# d. block kriging: reymud's discretisation given explicitly, and gstat's default (Gauss)
off <- (c(0:3) + 0.5) / 4 * 40 - 20
disc <- expand.grid(x = off, y = off)
blk <- krige(log(zinc) ~ 1, meuse, sub, model = m_ok, nmax = 16, block = disc, debug.level = 0)
blkq <- krige(log(zinc) ~ 1, meuse, sub, model = m_ok, nmax = 16, block = c(40, 40), debug.level = 0)

# e. leave-one-out cross-validation
cv <- krige.cv(log(zinc) ~ 1, meuse, model = m_ok, nmax = 16, verbose = FALSE, debug.level = 0)
cvuk <- krige.cv(log(zinc) ~ x + y, meuse, model = m_res, nmax = 16, verbose = FALSE, debug.level = 0)

r12 <- function(x) signif(x, 12)
na <- function(n) rep(NA_real_, n)
vrows <- function(kind, vv) data.frame(kind = kind, lag = seq_len(nrow(vv)), np = vv$np,
                                       dist = r12(vv$dist), gamma = r12(vv$gamma))
cols <- c("kind", "lag", "np", "dist", "gamma", "x", "y", "zinc", "logzinc", "cv_pred", "cv_var",
          "cv_residual", "cv_zscore", "cvuk_pred", "cvuk_var", "ok_pred", "ok_var", "uk_pred", "uk_var",
          "okg_pred", "okg_var", "blk_pred", "blk_var", "blkq_pred", "blkq_var")
fill <- function(df) {
  for (c in setdiff(cols, names(df))) df[[c]] <- na(nrow(df))
  df[, cols]
}
ng <- nrow(meuse.grid@coords)
at5 <- function(x) { out <- na(ng); out[every5] <- r12(x); out }
drows <- data.frame(kind = "data", x = pts$x, y = pts$y, zinc = pts$zinc, logzinc = r12(log(pts$zinc)),
                    cv_pred = r12(cv$var1.pred), cv_var = r12(cv$var1.var),
                    cv_residual = r12(cv$residual), cv_zscore = r12(cv$zscore),
                    cvuk_pred = r12(cvuk$var1.pred), cvuk_var = r12(cvuk$var1.var))
grows <- data.frame(kind = "grid", x = meuse.grid@coords[, 1], y = meuse.grid@coords[, 2],
                    ok_pred = r12(ok$var1.pred), ok_var = r12(ok$var1.var),
                    uk_pred = r12(uk$var1.pred), uk_var = r12(uk$var1.var),
                    okg_pred = at5(okg$var1.pred), okg_var = at5(okg$var1.var),
                    blk_pred = at5(blk$var1.pred), blk_var = at5(blk$var1.var),
                    blkq_pred = at5(blkq$var1.pred), blkq_var = at5(blkq$var1.var))
table <- rbind(fill(vrows("variogram", v)), fill(vrows("variogram_res", vres)), fill(drows), fill(grows))

csv <- file.path(outdir, "gstat_meuse_reference.csv")
con <- file(csv, "w")
writeLines(c(
  "# R gstat reference results on sp's meuse / meuse.grid (Pebesma; data: Rikken & Van Rijn 1993,",
  "# Burrough & McDonnell 1998). Written by tests/data/gstat_meuse.R (see it for the rows and columns);",
  sprintf("# %s, gstat %s, sp %s, %s. Models: gstat_meuse_fits.json.", R.version.string,
          packageVersion("gstat"), packageVersion("sp"), format(Sys.time(), "%Y-%m-%d", tz = "UTC"))), con)
write.csv(table, con, row.names = FALSE, na = "")
close(con)

meta <- list(
  source = paste("R package sp, data sets meuse and meuse.grid (Pebesma & Bivand); data by Rikken &",
                 "Van Rijn (1993) and Burrough & McDonnell (1998). Coordinates in m (RD New, EPSG:28992)."),
  variable = "log(zinc), zinc in ppm",
  r_version = R.version.string, gstat_version = as.character(packageVersion("gstat")),
  sp_version = as.character(packageVersion("sp")),
  date_utc = format(Sys.time(), "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"),
  command = "Rscript tests/data/gstat_meuse.R",
  variogram_cutoff = attr(v, "boundaries")[length(attr(v, "boundaries"))],
  variogram_width = attr(v, "boundaries")[2] - attr(v, "boundaries")[1],
  fits = fits,
  fits_note = paste("ok: fit.variogram(variogram(log(zinc)~1, meuse), vgm(1, 'Sph', 900, 1)) with fit.method",
                    "7 (N_j/h_j^2, gstat's default); ok_m6: fit.method 6 (OLS); ok_m1: 1 (N_j); ok_m2: 2",
                    "(N_j/gamma(h_j)^2); res: fit.method 7 on variogram(log(zinc)~x+y, meuse). psill is the",
                    "spherical partial sill, range its range (gstat's Sph reaches the sill at range)."),
  runs = list(
    ok = "krige(log(zinc)~1, meuse, meuse.grid, model = fits$ok, nmax = 16)",
    okg = "krige(log(zinc)~1, meuse, meuse.grid[every 5th], model = fits$ok)",
    uk = "krige(log(zinc)~x+y, meuse, meuse.grid, model = fits$res, nmax = 16)",
    blk = "krige(log(zinc)~1, meuse, meuse.grid[every 5th], fits$ok, nmax = 16, block = 4x4 sub-cell centres of 40 m)",
    blkq = "krige(log(zinc)~1, meuse, meuse.grid[every 5th], fits$ok, nmax = 16, block = c(40, 40))",
    cv = "krige.cv(log(zinc)~1, meuse, model = fits$ok, nmax = 16)",
    cvuk = "krige.cv(log(zinc)~x+y, meuse, model = fits$res, nmax = 16)"),
  every5 = "grid rows 1, 6, 11, ... (R indices; 0, 5, 10, ... in Python) of meuse.grid")
write_json(meta, file.path(outdir, "gstat_meuse_fits.json"), auto_unbox = TRUE, digits = 12, pretty = TRUE)
cat("wrote", csv, "and gstat_meuse_fits.json\n")
