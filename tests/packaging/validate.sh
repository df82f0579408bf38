#!/usr/bin/env bash
# What can be checked of docker/ and conf/shardwire.service without a Docker engine or a
# running systemd (docker/README.md): files parse, name what exists, and configs pass
# their own tools' checks. Usage: validate.sh <shardwire binary>
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:?usage: validate.sh <shardwire binary>}
PY=/usr/bin/python3
fail() { echo "validate: $*" >&2; exit 1; }

# Compose file, provisioning files and the dashboard: parse, and reference real files.
$PY - <<'PYEOF' || fail "docker/ files"
import json, os, re, sys, yaml
os.chdir("docker")
c = yaml.safe_load(open("compose.yaml"))
want = {"p0", "r0", "p1", "r1", "shardwire", "prometheus", "grafana"}
missing = want - set(c["services"])
assert not missing, f"compose.yaml: services missing: {missing}"
for name, s in c["services"].items():
    for v in s.get("volumes", []):
        src = v.split(":")[0]
        if src.startswith("."):
            assert os.path.exists(src), f"compose.yaml: {name} mounts {src}, which does not exist"
    b = s.get("build")
    if b:
        assert os.path.exists(os.path.join(b["context"], b["dockerfile"])), f"{name}: no {b}"
for r, p in (("r0", "p0"), ("r1", "p1")):
    assert c["services"][r]["environment"]["MARIADB_MASTER_HOST"] == p, f"{r} replicates {p}"
for f in ("grafana/provisioning/datasources/prometheus.yaml", "grafana/provisioning/dashboards/shardwire.yaml"):
    yaml.safe_load(open(f))
d = json.load(open("grafana/dashboards/shardwire.json"))
exprs = [t["expr"] for p in d["panels"] for t in p["targets"]]
titles = " ".join(p["title"] for p in d["panels"]).lower()
for topic in ("statements per second", "latency", "errors", "lag", "pools"):
    assert topic in titles, f"dashboard: no panel on {topic}"
exported = set(re.findall(r'"(shardwire_[a-z_]+)"', open("../admin/metrics.cpp").read()))
for e in exprs:
    for m in re.findall(r"shardwire_[a-z_]+", e):
        base = re.sub(r"_(bucket|sum|count)$", "", m)
        assert m in exported or base in exported, f"dashboard uses {m}, which admin/metrics.cpp does not export"
# Every COPY source of the Dockerfile exists (paths are relative to the repository root).
for line in open("Dockerfile"):
    words = line.split()
    if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
        for src in words[1:-1]:
            assert os.path.exists(os.path.join("..", src)), f"Dockerfile copies {src}, which does not exist"
print("validate: docker/ compose, provisioning, dashboard and Dockerfile OK")
PYEOF

SHARDWIRE_ADMIN_TOKEN=validate "$BIN" --check-config docker/shardwire.json

if command -v promtool >/dev/null; then
  promtool check config docker/prometheus/prometheus.yml
else
  fail "promtool missing (Debian package prometheus; scripts/install-deps.sh installs it)"
fi

if command -v systemd-analyze >/dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  sed "s|/usr/local/bin/shardwire|$(realpath "$BIN")|g" conf/shardwire.service > "$tmp/shardwire.service"
  systemd-analyze verify "$tmp/shardwire.service"
  echo "validate: conf/shardwire.service OK"
else
  echo "validate: systemd-analyze not found; conf/shardwire.service not verified"
fi
