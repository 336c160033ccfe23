#!/usr/bin/env python3
"""The dependency rules of docs/ARCHITECTURE.md, checked.

usage: dependencies_test.py SOURCE_DIR BUILD_DIR [CMAKE]

(a) Every #include in every folder names only folders that folder may use
    (RULES below), and third-party headers (GLib, spice-gtk, libvirt,
    libnftables, libcap-ng, GTK) appear only where their library is linked.
(b) No CMakeLists.txt lists a source file of another folder: tests/ and
    bench/ link the libraries, they do not compile their files again.
(c) The CMake link graph, from the CMake file API of a scratch configure of
    SOURCE_DIR with BUILD_DIR's generator, compiler and SPICE_CONNECT_*
    options (BUILD_DIR itself is only read): every target compiles only its
    own folder's files and links only the libraries its folder may use, and
    spice-connect, the setgid launcher, links spice_launcher, spice_policy,
    libcap-ng and libseccomp and nothing else.
(d) The table in docs/ARCHITECTURE.md says what RULES says.

Output is TAP: one "ok N - rule" per rule kept, one "not ok N - FILE: ..."
per place that breaks one, then "1..N". Exit status 1 when anything broke,
2 on a usage error.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

LIBRARIES = ["policy", "launcher", "firewall", "libvirt", "probe", "audit", "server", "admin", "agent"]

# What each folder may include and link: its own files and these folders.
# Keep in step with the table in docs/ARCHITECTURE.md (check (d) compares).
RULES = {
    "policy": {"policy"},
    "launcher": {"policy", "launcher"},
    "firewall": {"policy", "firewall"},
    "libvirt": {"policy", "libvirt"},
    "probe": {"policy", "probe"},
    "audit": {"policy", "firewall", "libvirt", "audit"},
    "server": {"policy", "server"},
    "admin": set(LIBRARIES),
    "agent": {"policy", "agent"},
    "bench": {"policy", "firewall", "bench"},
    "tests": set(LIBRARIES) | {"tests"},
}

# Third-party headers and the folders that may include them (tests/ may
# include anything).
THIRD_PARTY = [
    (re.compile(r"^(glib|gio|gobject|gmodule)([-./]|$)"), {"probe", "libvirt"}, "GLib"),
    (re.compile(r"^(spice-client|spice/|spice-client-glib)"), {"probe"}, "spice-gtk"),
    (re.compile(r"^libvirt/"), {"libvirt", "server"}, "libvirt"),
    (re.compile(r"^gnutls/"), {"server", "agent"}, "GnuTLS"),
    (re.compile(r"^systemd/"), {"server", "agent"}, "libsystemd"),
    (re.compile(r"^nftables/"), {"firewall"}, "libnftables"),
    (re.compile(r"^cap-ng\.h$"), {"launcher"}, "libcap-ng"),
    (re.compile(r"^seccomp\.h$"), {"launcher"}, "libseccomp"),
    (re.compile(r"^(gtk|gdk)/"), set(), "GTK"),
]

# The setgid launcher: the only targets and libraries it may link.
LAUNCHER = "spice-connect"
LAUNCHER_TARGETS = {"spice_launcher", "spice_policy"}
LAUNCHER_LIBRARY = re.compile(r"(^|/)(libspice_launcher\.a|libspice_policy\.a|libcap-ng\.(so|a)(\.[0-9]+)*|libseccomp\.(so|a)(\.[0-9]+)*)$|^-l(cap-ng|seccomp)$")

CXX_SUFFIXES = (".cpp", ".cc", ".cxx", ".c", ".hpp", ".hh", ".h", ".hpp.in", ".h.in")
SOURCE_SUFFIXES = (".cpp", ".cc", ".cxx", ".c")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, text):
        self.n += 1
        print(f"ok {self.n} - {text}")

    def not_ok(self, text):
        self.n += 1
        self.failed += 1
        print(f"not ok {self.n} - {text}")

    def rule(self, text, violations):
        """One "ok" for a rule kept, else one "not ok" per violation."""
        if not violations:
            self.ok(text)
        for v in violations:
            self.not_ok(v)

    def diag(self, text):
        for line in text.rstrip("\n").split("\n"):
            print(f"# {line}")


def is_build_dir(path):
    return os.path.exists(os.path.join(path, "CMakeCache.txt"))


def walk(top):
    """Files under top, skipping hidden and build directories."""
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not is_build_dir(os.path.join(root, d)))
        for f in sorted(files):
            yield os.path.join(root, f)


def top_folders(source):
    out = []
    for name in sorted(os.listdir(source)):
        path = os.path.join(source, name)
        if name.startswith(".") or not os.path.isdir(path) or is_build_dir(path) or name == "out":
            continue
        out.append(name)
    return out


def ours(source, quote, path):
    """Whether an include names a file of this repository."""
    first = path.split("/")[0]
    if first not in RULES:
        return False
    if quote == '"':
        return True
    return os.path.exists(os.path.join(source, path)) or os.path.exists(os.path.join(source, path + ".in"))


def check_includes(tap, source):
    """(a) includes against RULES and THIRD_PARTY."""
    for folder in top_folders(source):
        files = [f for f in walk(os.path.join(source, folder)) if f.endswith(CXX_SUFFIXES)]
        if folder not in RULES:
            tap.rule(f"{folder}/ holds no C++ file (a folder without a row in the dependency table may not)",
                     [f"{os.path.relpath(f, source)}: a C++ file in {folder}/, a folder without a row in the "
                      f"dependency table (docs/ARCHITECTURE.md, tests/architecture/dependencies_test.py)" for f in files])
            continue
        allowed = RULES[folder]
        allowed_text = ", ".join(f"{a}/" for a in sorted(allowed))
        own, foreign = [], []
        for path in files:
            rel = os.path.relpath(path, source)
            with open(path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    quote, name = m.group(1), m.group(2)
                    where = f"{rel}:{number}: #include {quote}{name}{'>' if quote == '<' else chr(34)}"
                    if ".." in name.split("/") or name.startswith("/"):
                        own.append(f"{where}: include paths are written from the repository root, without '..'")
                        continue
                    if ours(source, quote, name):
                        used = name.split("/")[0]
                        if used not in allowed:
                            own.append(f"{where}: {folder}/ may include only {allowed_text}")
                        continue
                    if folder == "tests":
                        continue
                    for pattern, may, library in THIRD_PARTY:
                        if pattern.search(name) and folder not in may:
                            who = ", ".join(f"{m}/" for m in sorted(may)) or "no folder"
                            foreign.append(f"{where}: {library} headers belong to {who}, not {folder}/")
        tap.rule(f"{folder}/ includes only {allowed_text}", own)
        if folder != "tests":
            tap.rule(f"{folder}/ includes no third-party header its library does not link", foreign)


def cmake_words(text):
    """The words of a CMakeLists.txt without comments, with the command each belongs to."""
    text = re.sub(r"#\[(=*)\[.*?\]\1\]", " ", text, flags=re.S)  # bracket comments
    lines = []
    for line in text.split("\n"):
        out, quoted = [], False
        for i, c in enumerate(line):
            if c == '"' and (i == 0 or line[i - 1] != "\\"):
                quoted = not quoted
            if c == "#" and not quoted:
                break
            out.append(c)
        lines.append("".join(out))
    text = "\n".join(lines)
    for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(((?:[^()]|\([^()]*\))*)\)", text):
        words = re.findall(r'"[^"]*"|[^\s"]+', m.group(2))
        yield m.group(1).lower(), [w.strip('"') for w in words]


def check_cmake_sources(tap, source):
    """(b) every CMakeLists.txt lists source files of its own folder only."""
    for path in walk(source):
        if os.path.basename(path) != "CMakeLists.txt":
            continue
        rel = os.path.relpath(path, source)
        here = os.path.dirname(path)
        parts = rel.split("/")
        folder = parts[0] if len(parts) > 1 else None
        builtins = {
            "PROJECT_SOURCE_DIR": source, "CMAKE_SOURCE_DIR": source, "spice-connect_SOURCE_DIR": source,
            "CMAKE_CURRENT_SOURCE_DIR": here, "CMAKE_CURRENT_LIST_DIR": here,
        }
        variables = {}
        violations = []
        with open(path, encoding="utf-8", errors="replace") as f:
            commands = list(cmake_words(f.read()))

        def expand(word):
            for _ in range(10):
                new = re.sub(r"\$\{([^${}]+)\}",
                             lambda m: builtins.get(m.group(1), variables.get(m.group(1), m.group(0))), word)
                if new == word:
                    break
                word = new
            return word

        for command, words in commands:
            if command == "set" and words:
                variables[words[0]] = " ".join(expand(w) for w in words[1:])
                continue
            if command == "list" and len(words) >= 2 and words[0].upper() == "APPEND":
                variables[words[1]] = " ".join([variables.get(words[1], "")] + [expand(w) for w in words[2:]]).strip()
                continue
            for word in words:
                for item in expand(word).split():
                    if not item.endswith(SOURCE_SUFFIXES) or item.startswith("$<"):
                        continue
                    if "${" in item:
                        violations.append(f"{rel}: {command}(... {word} ...): a source file this test cannot place; "
                                          f"name sources relative to the folder or from ${{PROJECT_SOURCE_DIR}}")
                        continue
                    full = os.path.normpath(item if os.path.isabs(item) else os.path.join(here, item))
                    inside = os.path.relpath(full, source)
                    top = inside.split("/")[0]
                    if folder is None or top != folder:
                        owner = f"{folder}/" if folder else "the top-level CMakeLists.txt (it adds folders, no sources)"
                        violations.append(f"{rel}: {command}(... {word} ...) compiles {inside}, a file of {top}/, "
                                          f"in {owner}; link its library instead")
        tap.rule(f"{rel} compiles only files of {folder}/" if folder else f"{rel} (top level) compiles no source file", violations)


def read_cache(build):
    cache = {}
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_.+-]*):([A-Z]+)=(.*)$", line.rstrip("\n"))
            if m:
                cache[m.group(1)] = (m.group(2), m.group(3))
    return cache


def code_model(tap, source, build, cmake):
    """A scratch configure of source with build's settings; its targets from the CMake file API."""
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        tap.not_ok(f"{build}: no CMakeCache.txt; pass the build directory")
        return None
    cache = read_cache(build)
    args = [cmake, "-S", source]
    if "CMAKE_GENERATOR" in cache:
        args += ["-G", cache["CMAKE_GENERATOR"][1]]
    for name, (kind, value) in sorted(cache.items()):
        if name in ("CMAKE_CXX_COMPILER", "CMAKE_MAKE_PROGRAM", "CMAKE_BUILD_TYPE") or name.startswith("SPICE_CONNECT_"):
            if value:
                args.append(f"-D{name}:{kind}={value}")
    scratch = tempfile.mkdtemp(prefix="spice-connect-deps.")
    try:
        query = os.path.join(scratch, ".cmake", "api", "v1", "query")
        os.makedirs(query)
        open(os.path.join(query, "codemodel-v2"), "w").close()
        run = subprocess.run(args + ["-B", scratch], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=600)
        if run.returncode != 0:
            tap.not_ok(f"CMakeLists.txt: the scratch configure for the link graph failed (exit {run.returncode})")
            tap.diag("\n".join(run.stdout.splitlines()[-20:]))
            return None
        reply = os.path.join(scratch, ".cmake", "api", "v1", "reply")
        index = sorted(f for f in os.listdir(reply) if f.startswith("index-"))[-1]
        with open(os.path.join(reply, index)) as f:
            model_file = json.load(f)["reply"]["codemodel-v2"]["jsonFile"]
        with open(os.path.join(reply, model_file)) as f:
            model = json.load(f)
        targets = {}
        for entry in model["configurations"][0]["targets"]:
            with open(os.path.join(reply, entry["jsonFile"])) as f:
                t = json.load(f)
            targets[t["name"]] = {
                "type": t["type"],
                "dir": t["paths"]["source"],
                "folder": t["paths"]["source"].split("/")[0],
                "dependencies": sorted({d["id"].split("::")[0] for d in t.get("dependencies", [])}),
                "sources": [(s["path"], s.get("isGenerated", False)) for s in t.get("sources", [])],
                "libraries": [c["fragment"] for c in t.get("link", {}).get("commandFragments", [])
                              if c.get("role") == "libraries"],
            }
        return targets
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_link_graph(tap, source, targets):
    """(c) sources and links of every configured target; the launcher's links exactly."""
    sources, links = [], []
    for name, t in sorted(targets.items()):
        folder = t["folder"]
        where = f"{t['dir']}/CMakeLists.txt: target {name}"
        for path, generated in t["sources"]:
            if generated or os.path.isabs(path):
                continue
            if path.split("/")[0] != folder:
                sources.append(f"{where} compiles {path}, a file of {path.split('/')[0]}/; link its library instead")
        allowed = RULES.get(folder, {folder})
        for dep in t["dependencies"]:
            dep_folder = targets[dep]["folder"] if dep in targets else None
            if dep_folder is not None and dep_folder != folder and dep_folder not in allowed:
                links.append(f"{where} links {dep} ({dep_folder}/); {folder}/ may use only "
                             + ", ".join(f"{a}/" for a in sorted(allowed)))
    tap.rule(f"every configured target compiles only files of its own folder ({len(targets)} targets)", sources)
    tap.rule("every configured target links only libraries of the folders its folder may use", links)

    launcher = []
    if LAUNCHER not in targets:
        launcher.append(f"launcher/CMakeLists.txt: no target {LAUNCHER}")
    else:
        t = targets[LAUNCHER]
        where = f"{t['dir']}/CMakeLists.txt: {LAUNCHER} (setgid)"
        for dep in t["dependencies"]:
            if dep not in LAUNCHER_TARGETS:
                launcher.append(f"{where} depends on target {dep}; it may link only spice_launcher, spice_policy, libcap-ng and libseccomp")
        for fragment in t["libraries"]:
            if not LAUNCHER_LIBRARY.search(fragment):
                launcher.append(f"{where} links {fragment}; it may link only spice_launcher, spice_policy, libcap-ng and libseccomp")
        if not any(re.search(r"cap-ng", f) for f in t["libraries"]):
            launcher.append(f"{where} does not link libcap-ng (it drops capabilities with it)")
        if not any(re.search(r"seccomp", f) for f in t["libraries"]):
            launcher.append(f"{where} does not link libseccomp (the viewer's set-id filter)")
    tap.rule(f"{LAUNCHER} links only spice_launcher, spice_policy, libcap-ng and libseccomp", launcher)


def check_document(tap, source):
    """(d) docs/ARCHITECTURE.md's table against RULES."""
    doc = os.path.join(source, "docs", "ARCHITECTURE.md")
    problems = []
    if not os.path.exists(doc):
        tap.not_ok("docs/ARCHITECTURE.md: missing; it holds the dependency table")
        return
    column = None
    found = {}
    with open(doc, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.startswith("|"):
                column = None if not line.strip() else column
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if column is None:
                heads = [c.lower() for c in cells]
                column = next((i for i, h in enumerate(heads) if h.startswith("may use")), None)
                continue
            if column >= len(cells):
                continue
            m = re.fullmatch(r"`([a-z]+)/`", cells[0])
            if not m or m.group(1) not in RULES:
                continue
            said = set(re.findall(r"`([a-z]+)/`", cells[column]))
            if re.search(r"\bevery library\b", cells[column]):
                said |= set(LIBRARIES)
            found[m.group(1)] = (number, said)
    for folder, allowed in sorted(RULES.items()):
        if folder not in found:
            problems.append(f"docs/ARCHITECTURE.md: no row for {folder}/ in the table with a 'may use' column")
            continue
        number, said = found[folder]
        if said != allowed:
            problems.append(f"docs/ARCHITECTURE.md:{number}: {folder}/ may use "
                            + ", ".join(f"{a}/" for a in sorted(said)) + "; this test says "
                            + ", ".join(f"{a}/" for a in sorted(allowed)))
    tap.rule("docs/ARCHITECTURE.md's dependency table is the one this test enforces", problems)


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source = os.path.realpath(sys.argv[1])
    build = os.path.realpath(sys.argv[2])
    cmake = sys.argv[3] if len(sys.argv) == 4 else "cmake"
    tap = Tap()
    check_includes(tap, source)
    check_cmake_sources(tap, source)
    targets = code_model(tap, source, build, cmake)
    if targets is not None:
        check_link_graph(tap, source, targets)
    check_document(tap, source)
    print(f"1..{tap.n}")
    if tap.failed:
        print(f"# {tap.failed} of {tap.n} failed: see docs/ARCHITECTURE.md, 'What may depend on what'")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
