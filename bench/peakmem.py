#!/usr/bin/env python3
"""Run a command and record the peak memory of its lgc processes.

    python3 bench/peakmem.py OUT.json -- COMMAND [ARGS...]

Every 50 ms the process tree under the command is read from /proc: for each
process named lgc, its anonymous resident memory (RssAnon: what must live in
RAM) and its peak resident set (VmHWM, which also counts the pages of mapped
files, shared with the page cache and dropped by the kernel when memory is
short). OUT.json gets the wall seconds, the command's exit status and, over
the lgc processes, the largest peak anonymous memory and the largest peak
resident set (MiB), and how many lgc processes were seen. Sampling can miss
a peak shorter than 50 ms; VmHWM cannot.
"""
import json
import os
import subprocess
import sys
import time


def status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        return None
    return out


def children(root):
    """Every pid whose ancestry reaches root."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
                parent[int(d)] = int(s[s.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                pass
    tree, grew = {root}, True
    while grew:
        grew = False
        for p, pp in parent.items():
            if pp in tree and p not in tree:
                tree.add(p)
                grew = True
    return tree


def kib(s):
    return int(s.split()[0]) if s else 0


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: peakmem.py OUT.json -- COMMAND [ARGS...]")
    t0 = time.monotonic()
    proc = subprocess.Popen(sys.argv[3:])
    anon, hwm = {}, {}
    while proc.poll() is None:
        for pid in children(proc.pid):
            st = status(pid)
            if st and st.get("Name") == "lgc":
                anon[pid] = max(anon.get(pid, 0), kib(st.get("RssAnon")))
                hwm[pid] = max(hwm.get(pid, 0), kib(st.get("VmHWM")))
        time.sleep(0.05)
    secs = time.monotonic() - t0
    rec = {
        "seconds": round(secs, 2),
        "exit": proc.returncode,
        "lgc_processes": len(anon),
        "peak_anon_mib": round(max(anon.values(), default=0) / 1024),
        "peak_rss_mib": round(max(hwm.values(), default=0) / 1024),
    }
    with open(sys.argv[1], "w") as f:
        json.dump(rec, f)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
