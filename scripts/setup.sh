#!/usr/bin/env bash
# One idempotent setup for both README commands: Debian packages, npm ci, the project-local tslab kernel.
# A second run only checks what is there (a few seconds).
#   WS_SKIP_APT=1   skip the Debian packages (conda users: environment.yaml brings Jupyter).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
start=$(date +%s)
log() { echo "[setup] $*"; }

# --- Debian packages: Jupyter's classic Notebook, nbconvert and client; Chromium and a font for rendering checks;
# etcd-server, the reference the distributed LevelDB is benchmarked against ([05]); prometheus for promtool,
# which unit-tests the alert rules of the Kubernetes stack ([07]) offline.
APT_PACKAGES=(jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient chromium fonts-dejavu-core etcd-server prometheus)
if [ "${WS_SKIP_APT:-0}" != "1" ] && [ -z "${CONDA_PREFIX:-}" ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null; then
      echo "[setup] error: missing ${missing[*]} and no apt-get here; install Jupyter (nbconvert) and Chromium yourself, or use environment.yaml and WS_SKIP_APT=1" >&2
      exit 1
    fi
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
      command -v sudo >/dev/null || { echo "[setup] error: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
      SUDO="sudo"
    fi
    log "apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# --- npm ci, skipped while package-lock.json and the Node version are unchanged since the last successful run.
stamp="node_modules/.ws-setup-stamp"
want="$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci"
  # package.json's allowScripts (npm 11) keeps install scripts that download from the web from running; the variable
  # does the same for onnxruntime-node's (its CPU binary ships in the package) where an older npm ignores that field.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# --- The tslab kernel, registered in a project-local Jupyter path (.jupyter/), started by the project's own tslab.
# scripts/tslab-kernel.cjs loads src/ through tsx; see README "How notebooks import src/".
kdir=".jupyter/kernels/tslab"
mkdir -p "$kdir"
cat > "$kdir/kernel.json.tmp" <<EOF
{
  "argv": ["$(command -v node)", "$ROOT/scripts/tslab-kernel.cjs", "{connection_file}"],
  "display_name": "TypeScript (tslab, workspace)",
  "language": "typescript"
}
EOF
mv "$kdir/kernel.json.tmp" "$kdir/kernel.json"

log "ready in $(( $(date +%s) - start )) s (export JUPYTER_PATH=$ROOT/.jupyter to use the kernel in your own Jupyter)"
