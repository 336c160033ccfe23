#!/usr/bin/env python3
"""Does a screenshot of a remote-viewer window show a given guest's screen?

Usage: screen_check.py SHOT.png OWN.ppm [OTHER.ppm ...]
       screen_check.py --booted DUMP.ppm

SHOT is the window (import -window); OWN is the guest's own framebuffer
(QEMU's screendump of the VM the viewer should show), the OTHERs are the
screens of the other VMs. The guest area is found in the window as the
rows and columns that are mostly black (the SeaBIOS text screen's
background; the viewer's header bar and letterbox are grey), cut out,
scaled to a grid of 240x100 cells and compared with each reference scaled
the same way. The check passes when the area is not uniform (more than one
grey level, lit pixels present), correlates with OWN at 0.8 or more, and,
in the cells where OWN and another VM's screen differ (the "Machine UUID"
line SeaBIOS prints), is on average clearly closer to OWN than to the
other (mean error below 85 %). Prints one line; exit 0 pass, 1 fail,
2 usage or unreadable image. Needs ImageMagick's convert.

--booted: exit 0 when the guest's text screen (80x25 cells of 9x16 pixels)
has text on its ninth line or below, where SeaBIOS prints "No bootable
device." when it has tried every device: the screen no longer changes.
"""
import subprocess
import sys

GRID_W, GRID_H = 240, 100
DARK = 24          # grey level up to which a pixel counts as black
MOSTLY = 0.5       # a row/column of the guest area is at least this dark


def gray(path, crop=None, to_grid=False):
    """(width, height, bytes) of an image as 8-bit grey, optionally cropped
    (WxH+X+Y) and box-scaled to the grid."""
    args = ["convert", path]
    if crop:
        args += ["-crop", crop, "+repage"]
    if to_grid:
        args += ["-filter", "box", "-resize", f"{GRID_W}x{GRID_H}!"]
    args += ["-colorspace", "Gray", "-depth", "8", "pgm:-"]
    data = subprocess.run(args, check=True, capture_output=True).stdout
    # PGM P5: "P5", width, height, maxval, one whitespace, then the bytes.
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1:pos + 1 + w * h]


def correlation(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = sum((x - ma) ** 2 for x in a)
    vb = sum((y - mb) ** 2 for y in b)
    return cov / (va * vb) ** 0.5 if va > 0 and vb > 0 else 0.0


def longest_run(flags):
    """(start, length) of the longest run of true values."""
    best, start = (0, 0), None
    for i, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if i - start > best[1]:
                best = (start, i - start)
            start = None
    return best


def guest_area(w, h, px):
    """The largest block of contiguous rows, then columns, that are mostly
    black: the guest's screen (thin dark separator lines are too short)."""
    dark = bytes(1 if v <= DARK else 0 for v in range(256))
    flags = px.translate(dark)
    y0, bh = longest_run(flags[y * w:(y + 1) * w].count(1) >= MOSTLY * w for y in range(h))
    if bh == 0:
        return None
    block = flags[y0 * w:(y0 + bh) * w]
    x0, bw = longest_run(block[x::w].count(1) >= MOSTLY * bh for x in range(w))
    if bw == 0:
        return None
    return x0, y0, bw, bh


def booted(path):
    w, h, px = gray(path)
    return any(v > 64 for v in px[8 * 16 * w:])


def main(argv):
    if len(argv) == 3 and argv[1] == "--booted":
        try:
            return 0 if booted(argv[2]) else 1
        except (subprocess.CalledProcessError, ValueError, IndexError):
            return 2
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    shot, refs = argv[1], argv[2:]
    try:
        w, h, px = gray(shot)
    except (subprocess.CalledProcessError, ValueError, IndexError) as e:
        print(f"cannot read {shot}: {e}")
        return 2
    box = guest_area(w, h, px)
    if not box:
        print(f"no guest screen: no dark area in the {w}x{h} window")
        return 1
    x, y, bw, bh = box
    if bw < 100 or bh < 50:
        print(f"no guest screen: the dark area {bw}x{bh}+{x}+{y} is too small")
        return 1
    refs_px = [gray(ref, to_grid=True)[2] for ref in refs]
    rw, rh, _ = gray(refs[0])
    # Shown 1:1, the dark area may include a dark border line or two: try
    # each placement of the guest's own size inside it, keep the best.
    boxes = [(bw, bh, x, y)]
    if 0 <= bw - rw <= 3 and 0 <= bh - rh <= 3:
        boxes = [(rw, rh, x + dx, y + dy) for dx in range(bw - rw + 1) for dy in range(bh - rh + 1)]
    best = None
    for w_, h_, x_, y_ in boxes:
        geometry = f"{w_}x{h_}+{x_}+{y_}"
        area = gray(shot, geometry, to_grid=True)[2]
        score = correlation(area, refs_px[0])
        if best is None or score > best[0]:
            best = (score, geometry, area)
    own, geometry, area = best
    levels = len(set(area))
    lit = sum(1 for v in area if v > 64) / len(area)
    if levels < 2 or lit == 0:
        print(f"black rectangle: the guest area {geometry} has {levels} grey level(s), nothing lit")
        return 1
    summary = f"guest area {geometry}, {levels} grey levels, {lit:.1%} lit; correlation with its VM's screen {own:.3f}"
    if own < 0.8:
        print("does not show this guest: " + summary)
        return 1
    # Which VM is it? Where its screen and another VM's differ (the UUID
    # line), the window must be clearly closer to its own.
    for ref, other in zip(refs[1:], refs_px[1:]):
        cells = [i for i in range(len(area)) if abs(refs_px[0][i] - other[i]) > 16]
        if not cells:
            continue
        e_own = sum(abs(area[i] - refs_px[0][i]) for i in cells) / len(cells)
        e_other = sum(abs(area[i] - other[i]) for i in cells) / len(cells)
        name = ref.rsplit("/", 1)[-1]
        if not e_own < 0.85 * e_other:
            print(f"does not show this guest: {summary}; where its screen differs from {name}, the window is not "
                  f"clearly closer to its own (mean error {e_own:.1f} against {e_other:.1f})")
            return 1
        summary += f"; vs {name}: error {e_own:.1f} against {e_other:.1f}"
    print("shows the guest: " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
