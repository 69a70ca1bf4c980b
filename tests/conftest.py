"""Session-wide test setup shared by every test package."""

from pathlib import Path

import matplotlib

# pyrolite copies its style into matplotlib's stylelib folder on import with a bare mkdir: two xdist
# workers importing it together on a fresh machine race there (FileExistsError). Make the folder first,
# as reymud.geochem.lambdas does for the package's own import.
Path(matplotlib.get_configdir(), "stylelib").mkdir(parents=True, exist_ok=True)
