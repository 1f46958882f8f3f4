"""The library versions actually importable in the environment being measured.

asv files each result under the versions the matrix asked for (the environment's
name and `requirements`); these tracks record what is really installed, so a pin that
moved silently (a resolver upgrade, a stale environment) shows on the dashboard and
fails tests/test_committed_results.py. A version X.Y.Z is plotted as the number
X + Y/100 + Z/10000 (2.4.6 -> 2.0406; see `version_number`).
"""

from . import common
from .common import release

LIBRARIES = common.LIBRARIES


def version_number(text):
    """'2.4.6' -> 2.0406: sorts like the version, reads back digit by digit."""
    major, minor, patch = (release(text).release + (0, 0))[:3]
    if minor > 99 or patch > 99:
        raise ValueError(f"version {text!r} does not fit X + Y/100 + Z/10000")
    return round(major + minor / 100 + patch / 10000, 4)


class TrackInstalledVersion:
    params = LIBRARIES
    param_names = ["library"]
    unit = "version X.YYZZ"
    version = "1"

    def setup(self, library):
        # `self.version` would shadow asv's benchmark version attribute
        self.installed = common.installed_versions().get(library)
        if self.installed is None:
            raise NotImplementedError(f"{library} is not installed here")

    def track_installed_version(self, library):
        return version_number(str(self.installed))
