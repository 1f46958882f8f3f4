"""Make the dashboard that `asv publish` wrote self-contained: no request leaves the server.

asv 0.6.6's index.html loads jQuery, flot (+ plugins), stupidtable, blueimp-md5 and
bootstrap from public CDNs, so the dashboard is blank offline. This publish step, run
after `asv publish`, rewrites each known CDN reference in the generated pages to a copy
under HTML_DIR/vendor/ and copies those files (and their licences) in from
dashboard/vendor/. Usage:

    python tools/offline_dashboard.py HTML_DIR      # after `asv publish`
    python tools/offline_dashboard.py --check       # vendored files vs lock + SHA256SUMS
    python tools/offline_dashboard.py --refresh     # re-fetch them from npm (needs npm)

The vendored files. dashboard/vendor/package.json pins the npm package of each CDN asset
at the exact version asv asks for, and package-lock.json records each tarball's integrity.
`--refresh` runs `npm ci --ignore-scripts` on those two files in a temporary folder and
copies only the files listed in ASSETS and EXTRA_FILES to dashboard/vendor/<package>/<path
in the package> (keeping the package's layout, so bootstrap's ../fonts/ still resolve),
then rewrites dashboard/vendor/SHA256SUMS. Those few files are committed, so publishing
works offline and needs no node; the lock reproduces and documents them.
Two assets are not byte-identical to what the CDN serves (noted in ASSETS): flot 0.8.3 is
on npm only unminified (cdnjs minified it itself), and stupidtable 1.0.1 was never on npm
(the plugin's only npm version, and Debian's, is 1.1.3). Every other file is the CDN's
exact bytes: the script checks them against the integrity hashes asv writes in its tags.

Rules, for an asv upgrade: a loaded resource (script src, stylesheet/icon/preload link,
img, iframe, CSS url(), ...) with an absolute or protocol-relative URL that ASSETS does not
know fails the step with a one-line error naming the URL; navigation links (<a href>,
rel=alternate) may point anywhere. Rewritten tags get integrity = the vendored file's hash
(asv's own value is kept where it matches). The step is deterministic and idempotent:
run twice, the output is byte-identical. Exit status 0 on success, 1 with a one-line
"offline_dashboard: error: ..." on stderr otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "dashboard" / "vendor"
SUMS = "SHA256SUMS"
OUT_DIR = "vendor"  # HTML_DIR/vendor/<package>/<path in package>

# CDN URL asv 0.6.6 writes -> (npm package, version, file in the package, bytes identical
# to the CDN's?). Versions must equal dashboard/vendor/package.json (checked).
ASSETS = {
    "https://code.jquery.com/jquery-3.3.1.min.js":
        ("jquery", "3.3.1", "dist/jquery.min.js", True),
    # flot 0.8.3: npm ships the sources only; cdnjs's .min.js are its own minification.
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js":
        ("flot", "0.8.3", "jquery.flot.js", False),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js":
        ("flot", "0.8.3", "jquery.flot.time.js", False),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js":
        ("flot", "0.8.3", "jquery.flot.selection.js", False),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js":
        ("flot", "0.8.3", "jquery.flot.categories.js", False),
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js":
        ("flot-orderbars", "1.0.0", "js/jquery.flot.orderBars.js", True),
    # stupidtable 1.0.1 (cdnjs) was never published to npm; 1.1.3 is the only npm version.
    # asv calls only $table.stupidtable() and $th.stupidsort(dir), unchanged in 1.1.x.
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js":
        ("stupid-table-plugin", "1.1.3", "stupidtable.min.js", False),
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js":
        ("blueimp-md5", "2.19.0", "js/md5.min.js", True),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js":
        ("bootstrap", "3.1.1", "dist/js/bootstrap.min.js", True),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css":
        ("bootstrap", "3.1.1", "dist/css/bootstrap.min.css", True),
}
# Copied along: each package's licence, and what the assets reference themselves.
EXTRA_FILES = [
    ("jquery", "LICENSE.txt"),
    ("flot", "LICENSE.txt"),
    ("flot-orderbars", "package.json"),  # no licence file in the package: "license": "MIT"
    ("stupid-table-plugin", "LICENSE"),
    ("blueimp-md5", "LICENSE.txt"),
    ("blueimp-md5", "js/md5.min.js.map"),  # md5.min.js ends in a sourceMappingURL
    ("bootstrap", "LICENSE"),
    *[("bootstrap", f"dist/fonts/glyphicons-halflings-regular.{ext}")  # bootstrap.min.css
      for ext in ("eot", "svg", "ttf", "woff")],
]

# Attributes through which a browser fetches something on its own.
FETCHED_ATTRS = {
    "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"),
    "iframe": ("src",), "frame": ("src",), "embed": ("src",), "object": ("data",),
    "video": ("src", "poster"), "audio": ("src",), "track": ("src",), "input": ("src",),
    "link": ("href", "imagesrcset"), "use": ("href", "xlink:href"), "image": ("href", "xlink:href"),
}
# <link rel=...> values that are navigation, not a fetch.
NAVIGATION_RELS = {"alternate", "canonical", "author", "license", "help", "next", "prev",
                   "search", "bookmark", "external", "me"}
EXTERNAL = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//", re.ASCII)
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""")


class Failure(Exception):
    pass


def relpath(path: Path) -> str:
    """path for messages: relative to the working directory when inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # newlines kept as they are


# ---------------------------------------------------------------- reading pages ---

class _Tags(HTMLParser):
    """Every start tag: (name, attrs, start offset, end offset) in the source text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.styles, self._text = [], [], text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._in_style = False
        self.feed(text)
        self.close()

    def _offset(self):
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        start, raw = self._offset(), self.get_starttag_text()
        if self._text[start:start + len(raw)] != raw:  # never seen; guards the offsets
            raise Failure(f"could not locate the tag {raw!r} in the page")
        self.tags.append((tag, attrs, start, start + len(raw)))
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def css_urls(text):
    """The URLs a stylesheet (or style attribute) fetches: url(...) and @import."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(text)]


def fetched_urls(tag, attrs):
    """The URLs one start tag makes the browser fetch."""
    attrs_d = dict(attrs)
    urls = []
    if tag == "link":
        rels = set((attrs_d.get("rel") or "").lower().split())
        if rels and rels <= NAVIGATION_RELS:
            return css_urls(attrs_d.get("style") or "")
    for name in FETCHED_ATTRS.get(tag, ()):
        value = attrs_d.get(name)
        if value is None:
            continue
        if name.endswith("srcset"):
            urls += [part.split()[0] for part in value.split(",") if part.split()]
        else:
            urls.append(value.strip())
    return urls + css_urls(attrs_d.get("style") or "")


def page_references(text):
    """[(tag, attrs, start, end, [urls])] for the tags of an HTML page that fetch something,
    plus a pseudo-tag "style" for each <style> block."""
    parser = _Tags(text)
    refs = [(tag, attrs, start, end, urls) for tag, attrs, start, end in parser.tags
            if (urls := fetched_urls(tag, attrs))]
    refs += [("style", [], -1, -1, css_urls(block)) for block in parser.styles]
    return refs


def external_references(html_dir):
    """[(file, url)] for every absolute or protocol-relative URL that a page or stylesheet
    under html_dir makes the browser fetch."""
    found = []
    for path in sorted(Path(html_dir).rglob("*")):
        if path.suffix.lower() in (".html", ".htm"):
            urls = [u for *_, us in page_references(read_text(path)) for u in us]
        elif path.suffix.lower() == ".css":
            urls = css_urls(read_text(path))
        else:
            continue
        found += [(path, u) for u in urls if EXTERNAL.match(u)]
    return found


def missing_local_references(html_dir):
    """[(file, url)] for relative URLs in pages and stylesheets whose file does not exist."""
    html_dir = Path(html_dir).resolve()
    missing = []
    for path in sorted(html_dir.rglob("*")):
        if path.suffix.lower() in (".html", ".htm"):
            urls = [u for *_, us in page_references(read_text(path)) for u in us]
        elif path.suffix.lower() == ".css":
            urls = css_urls(read_text(path))
        else:
            continue
        for url in urls:
            if not url or EXTERNAL.match(url) or url.startswith(("#", "data:", "about:", "javascript:")):
                continue
            local = url.split("#", 1)[0].split("?", 1)[0]
            target = (html_dir / local.lstrip("/")) if local.startswith("/") else (path.parent / local)
            if not target.resolve().is_file():
                missing.append((path, url))
    return missing


# ------------------------------------------------------------- vendored files ---

def sri(data: bytes, algorithm="sha384") -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def sri_matches(integrity: str, data: bytes) -> bool:
    """Whether data satisfies an SRI value, the way a browser decides (strongest algorithm)."""
    by_alg = {}
    for token in integrity.split():
        alg, _, digest = token.partition("-")
        if alg in ("sha256", "sha384", "sha512"):
            by_alg.setdefault(alg, []).append(digest.split("?")[0])
    for alg in ("sha512", "sha384", "sha256"):
        if alg in by_alg:
            return sri(data, alg).partition("-")[2] in by_alg[alg]
    return False


def needed_files():
    files = {(pkg, path) for pkg, _, path, _ in ASSETS.values()} | set(EXTRA_FILES)
    return sorted(f"{pkg}/{path}" for pkg, path in files)


def check_vendor():
    """Vendored files present, unmodified (SHA256SUMS) and at the pinned versions."""
    pins = json.loads((VENDOR / "package.json").read_text())["dependencies"]
    lock = json.loads((VENDOR / "package-lock.json").read_text())["packages"]
    for url, (pkg, version, _, _) in ASSETS.items():
        locked = lock.get(f"node_modules/{pkg}", {}).get("version")
        if pins.get(pkg) != version or locked != version:
            raise Failure(f"{url} needs npm {pkg}@{version}, but dashboard/vendor/package.json pins "
                          f"{pins.get(pkg)} and package-lock.json {locked}")
    sums_path = VENDOR / SUMS
    if not sums_path.is_file():
        raise Failure(f"{relpath(sums_path)} missing: run tools/offline_dashboard.py --refresh")
    sums = dict(reversed(line.split("  ", 1)) for line in sums_path.read_text().splitlines() if line)
    for name in needed_files():
        path = VENDOR / name
        if not path.is_file():
            raise Failure(f"vendored file missing: {relpath(path)} (run tools/offline_dashboard.py --refresh)")
        if sums.get(name) != hashlib.sha256(path.read_bytes()).hexdigest():
            raise Failure(f"vendored file {relpath(path)} does not match {SUMS} (run tools/offline_dashboard.py --refresh)")


def refresh_vendor():
    """Fetch the pinned packages with `npm ci` in a temporary folder; copy the needed files."""
    npm = shutil.which("npm")
    if npm is None:
        raise Failure("npm not found: --refresh needs node's npm")
    with tempfile.TemporaryDirectory(prefix="dashboard-vendor-") as tmp:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(VENDOR / name, Path(tmp, name))
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                              cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            raise Failure("npm ci failed: " + " ".join(done.stderr.split())[-500:])
        keep = set(needed_files())
        for path in sorted(VENDOR.rglob("*"), reverse=True):  # drop files no longer needed
            rel = path.relative_to(VENDOR).as_posix()
            if path.is_file() and "/" in rel and rel not in keep:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        lines = []
        for name in sorted(keep):
            source = Path(tmp, "node_modules", name)
            if not source.is_file():
                raise Failure(f"npm package has no {name}")
            target = VENDOR / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            lines.append(f"{hashlib.sha256(target.read_bytes()).hexdigest()}  {name}\n")
        (VENDOR / SUMS).write_text("".join(lines))
    check_vendor()


# ----------------------------------------------------------------- publishing ---

def _tag_text(tag, attrs, self_closing):
    parts = [tag] + [name if value is None else f'{name}="{html.escape(value, quote=True)}"'
                     for name, value in attrs]
    return "<" + " ".join(parts) + (" />" if self_closing else ">")


def rewrite_page(path: Path, html_dir: Path) -> str:
    """The page's text with every known CDN reference pointing into html_dir/vendor/."""
    text = read_text(path)
    prefix = os.path.relpath(html_dir / OUT_DIR, path.parent).replace(os.sep, "/")
    unknown, edits = [], []
    for tag, attrs, start, end, urls in page_references(text):
        external = [u for u in urls if EXTERNAL.match(u)]
        bad = [u for u in external if u not in ASSETS or tag == "style"]
        if bad:
            unknown += bad
            continue
        if not external:
            continue
        new_attrs, integrity = [], None
        for name, value in attrs:
            if value in ASSETS:
                pkg, _, file, identical = ASSETS[value]
                data = (VENDOR / pkg / file).read_bytes()
                old = dict(attrs).get("integrity")
                if identical and old and not sri_matches(old, data):
                    raise Failure(f"{value}: vendored {pkg}/{file} does not match the integrity "
                                  "asv gives for it (wrong file or version vendored)")
                integrity = old if old and sri_matches(old, data) else sri(data)
                value = f"{prefix}/{pkg}/{file}"
            new_attrs.append((name, value))
        if integrity is not None:
            if any(n == "integrity" for n, _ in new_attrs):
                new_attrs = [(n, integrity if n == "integrity" else v) for n, v in new_attrs]
            else:
                new_attrs.append(("integrity", integrity))
        raw = text[start:end]
        edits.append((start, end, _tag_text(tag, new_attrs, raw.rstrip("> \t\n").endswith("/"))))
    if unknown:
        raise Failure(f"{relpath(path)} loads an external asset that tools/offline_dashboard.py does not "
                      f"vendor: {', '.join(dict.fromkeys(unknown))} (add it to ASSETS, then run --refresh)")
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def publish(html_dir: Path):
    if not html_dir.is_dir():
        raise Failure(f"HTML_DIR {html_dir} is not a directory: run `asv publish` first")
    if not (html_dir / "index.html").is_file():
        raise Failure(f"{html_dir} has no index.html: not an `asv publish` output")
    check_vendor()
    # Read and rewrite every page first, so an unknown URL leaves HTML_DIR untouched.
    pages = sorted(p for p in html_dir.rglob("*") if p.suffix.lower() in (".html", ".htm")
                   and OUT_DIR not in p.relative_to(html_dir).parts[:1])
    rewritten = {page: rewrite_page(page, html_dir) for page in pages}
    for css in sorted(html_dir.rglob("*.css")):
        if OUT_DIR in css.relative_to(html_dir).parts[:1]:
            continue
        urls = [u for u in css_urls(read_text(css)) if EXTERNAL.match(u)]
        if urls:
            raise Failure(f"{relpath(css)} loads an external asset that tools/offline_dashboard.py does not "
                          f"vendor: {', '.join(dict.fromkeys(urls))} (add it to ASSETS, then run --refresh)")
    for name in needed_files():
        target = html_dir / OUT_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VENDOR / name, target)
    for page, text in rewritten.items():
        if read_text(page) != text:
            page.write_bytes(text.encode("utf-8"))
    left = external_references(html_dir)
    if left:
        raise Failure(f"external reference left after rewriting: {left[0][1]} in {relpath(left[0][0])}")
    missing = missing_local_references(html_dir)
    if missing:
        raise Failure(f"{relpath(missing[0][0])} references {missing[0][1]}, which does not exist")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("html_dir", nargs="?", type=Path, help="the folder `asv publish` wrote")
    group.add_argument("--check", action="store_true", help="verify dashboard/vendor/")
    group.add_argument("--refresh", action="store_true", help="re-fetch dashboard/vendor/ from npm")
    parser.error = lambda message: sys.exit(  # one line, exit status 1, like every failure
        f"offline_dashboard: error: {message} (usage: tools/offline_dashboard.py HTML_DIR | --check | --refresh)")
    args = parser.parse_args(argv)
    try:
        if args.refresh:
            refresh_vendor()
            print(f"refreshed {relpath(VENDOR)} ({len(needed_files())} files)")
        elif args.check:
            check_vendor()
            print(f"{relpath(VENDOR)}: {len(needed_files())} files match {SUMS} and the pinned versions")
        else:
            publish(args.html_dir)
            print(f"{args.html_dir}: CDN references rewritten to {OUT_DIR}/ ({len(needed_files())} files)")
    except Failure as exc:
        print(f"offline_dashboard: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
