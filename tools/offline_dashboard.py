"""asv plugin (listed under "plugins" in asv.conf.json): `asv publish` writes a dashboard
that loads nothing from outside the server it is served from.

asv 0.6.6's index.html loads jQuery, flot (+ plugins), stupidtable, blueimp-md5 and
bootstrap from public CDNs, so its dashboard is blank offline. This module adds a
publisher to `asv publish`; asv runs publishers after it has copied its page template
into html_dir, and this one runs last (order = inf). It copies the vendored files from
dashboard/vendor/ to html_dir/vendor/, points each known CDN URL (ASSETS) of the pages at
its copy, then checks html_dir: any other external URL that a page or stylesheet loads,
or a local reference to a missing file, stops `asv publish` with a one-line error naming
it. (Requests made by the scripts themselves are covered by the browser test.)

dashboard/vendor/ is committed, so publishing needs neither network nor node. Its
package.json pins each CDN asset's npm package at the version asv asks for, and
package-lock.json records each tarball's hash; SHA256SUMS lists every file published
(the assets, each package's licence, and what the assets load themselves) and is checked
at every publish. `python tools/offline_dashboard.py --refresh` re-fetches those files
with `npm ci` (add a new asset to ASSETS first); `python tools/offline_dashboard.py
HTML_DIR` checks a published dashboard.
"""

import argparse
import base64
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from asv.publishing import OutputPublisher
from asv.util import UserError

VENDOR = Path(__file__).resolve().parent.parent / "dashboard" / "vendor"
SUMS = VENDOR / "SHA256SUMS"

# CDN URL in asv 0.6.6's index.html -> vendored file (npm package/path in the package;
# the package's own layout, so bootstrap.min.css's ../fonts/ resolve). Every file is the
# CDN's exact bytes except two: flot 0.8.3 is on npm unminified only (cdnjs minified it
# itself), and stupidtable 1.0.1 was never on npm, so 1.1.3 stands in (asv calls only
# stupidtable() and stupidsort(dir), unchanged in 1.1).
ASSETS = {
    "https://code.jquery.com/jquery-3.3.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js": "flot/jquery.flot.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js": "flot/jquery.flot.time.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js": "flot/jquery.flot.selection.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js": "flot/jquery.flot.categories.js",
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js":
        "flot-orderbars/js/jquery.flot.orderBars.js",
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js":
        "stupid-table-plugin/stupidtable.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js": "blueimp-md5/js/md5.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
}
# A URL with a scheme (other than data:) or protocol-relative leaves the server.
EXTERNAL = re.compile(r"\s*(?:(?!data:)[a-z][a-z0-9+.-]*:|//)", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+)""")
# Link relations that only name another page; every other <link> may fetch its href.
NAVIGATION = {"alternate", "author", "bookmark", "canonical", "help", "license", "next", "prev", "search"}


def css_urls(text):
    return [a or b for a, b in CSS_URL.findall(re.sub(r"/\*.*?\*/", "", text, flags=re.S))]


class _Loads(HTMLParser):
    """The URLs a page makes the browser fetch by itself: src/href/data/poster/srcset
    attributes (not those of <a>, <area> or navigation <link>s) and CSS url()/@import."""

    def __init__(self, text):
        super().__init__()
        self.urls, self._style = [], False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = set((attrs.get("rel") or "").lower().split())
        if tag not in ("a", "area") and not (tag == "link" and rel <= NAVIGATION):
            self.urls += [attrs[k] for k in ("src", "href", "data", "poster") if attrs.get(k)]
            self.urls += [c.split()[0] for c in (attrs.get("srcset") or "").split(",") if c.strip()]
        self.urls += css_urls(attrs.get("style") or "")
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if self._style:
            self.urls += css_urls(data)


def check(html_dir):
    """Raise UserError naming the first external URL, or local reference to a missing file,
    that an .html or .css file under html_dir loads."""
    html_dir = Path(html_dir)
    for path in sorted(html_dir.rglob("*")):
        if path.suffix not in (".html", ".css"):
            continue
        text = path.read_text(encoding="utf-8")
        for url in css_urls(text) if path.suffix == ".css" else _Loads(text).urls:
            if EXTERNAL.match(url):
                hint = "" if url in ASSETS else (", which tools/offline_dashboard.py does not vendor (add it "
                                                 "to ASSETS, then run `python tools/offline_dashboard.py --refresh`)")
                raise UserError(f"{path} loads {url} from outside the server{hint}")
            local = url.split("#")[0].split("?")[0]
            if local and not url.startswith("data:") and not (path.parent / local).is_file():
                raise UserError(f"{path} loads {url}, which does not exist")


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listed_sums():
    """{file: sha256} from SHA256SUMS, which lists every file published to html_dir/vendor/."""
    return {name: digest for digest, name in (line.split("  ", 1) for line in SUMS.read_text().splitlines())}


def vendored_files():
    """The files SHA256SUMS lists, each checked against its sum."""
    sums = listed_sums()
    for name, digest in sums.items():
        if not (VENDOR / name).is_file() or sha256(VENDOR / name) != digest:
            raise UserError(f"dashboard/vendor/{name} is missing or differs from SHA256SUMS "
                            "(run `python tools/offline_dashboard.py --refresh`)")
    return sorted(sums)


def make_offline(html_dir):
    """Copy the vendored files into html_dir/vendor/, point the pages' known CDN URLs at
    them, then check(html_dir)."""
    html_dir = Path(html_dir)
    for name in vendored_files():
        (html_dir / "vendor" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VENDOR / name, html_dir / "vendor" / name)
    for page in html_dir.rglob("*.html"):
        prefix = os.path.relpath(html_dir / "vendor", page.parent).replace(os.sep, "/")

        def vendored(tag):
            # The tag's integrity must now describe the vendored file: two of them are not
            # the CDN's bytes, and the browser refuses a script whose hash differs.
            attr = re.search(r'\b(src|href)="([^"]*)"', tag[0])
            if not attr or attr[2] not in ASSETS:
                return tag[0]
            name = ASSETS[attr[2]]
            digest = base64.b64encode(hashlib.sha384((VENDOR / name).read_bytes()).digest()).decode()
            new = tag[0].replace(attr[0], f'{attr[1]}="{prefix}/{name}"')
            return re.sub(r'\bintegrity="[^"]*"', f'integrity="sha384-{digest}"', new)

        text = page.read_text(encoding="utf-8")
        page.write_text(re.sub(r"<(?:script|link)\b[^>]*>", vendored, text), encoding="utf-8")
    check(html_dir)


class OfflineDashboard(OutputPublisher):
    # Last, after asv's own publishers (order 0-3), so the check sees every page written.
    order = math.inf

    @classmethod
    def publish(cls, conf, repo, benchmarks, graphs, revisions):
        make_offline(conf.html_dir)


def refresh():
    """Re-fetch the vendored files: `npm ci` on the committed lock in a temporary folder,
    copy every file SHA256SUMS or ASSETS names, and rewrite SHA256SUMS."""
    names = sorted(set(listed_sums()) | set(ASSETS.values()))
    with tempfile.TemporaryDirectory(prefix="dashboard-vendor-") as tmp:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(VENDOR / name, tmp)
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=tmp, check=True)
        for name in names:
            (VENDOR / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp, "node_modules", name), VENDOR / name)
    SUMS.write_text("".join(f"{sha256(VENDOR / name)}  {name}\n" for name in names))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Check published dashboards, or re-fetch dashboard/vendor/.")
    parser.add_argument("html_dirs", nargs="*", help="folders `asv publish` wrote, to check")
    parser.add_argument("--refresh", action="store_true", help="re-fetch dashboard/vendor/ from npm (needs npm)")
    args = parser.parse_args()
    try:
        if args.refresh:
            refresh()
        vendored_files()
        for html_dir in args.html_dirs:
            check(html_dir)
    except UserError as exc:
        sys.exit(f"offline_dashboard: error: {exc}")
