#!/usr/bin/env bash
# Functional check of Hipdrive on emulated aarch64 (the CPU of the Raspberry Pi 5 and the Jetson
# Orin), on an x86_64 Debian host: `make check-arm`, as root. See docs/arm.md.
#
#   1. qemu-user-static and binfmt_misc run aarch64 binaries (emulating a Cortex-A76, the Pi 5's);
#   2. an arm64 Debian root made with debootstrap from the host's own apt mirror (var/arm/root);
#   3. a venv in it with `pip install .[openvino,ncnn]` and then `.[pi]`, from PyPI's aarch64
#      wheels, through the host's pip configuration;
#   4. `hipdrive model fetch` on aarch64;
#   5. on the HOST, with the x86 venv (.venv), the platform-independent files the demo needs: the
#      OpenVINO INT8 and NCNN exports and the rendered demo clip (emulation would take far longer);
#   6. on aarch64: what the platform offers (numba JIT, OpenVINO devices, NCNN, torch), then
#      `hipdrive demo --headless --duration 3` on each lean backend.
#
# Reuses what is there (the root, its venv, the exports); delete var/arm to start afresh.
# Emulated speed means nothing: this checks what installs and runs, not how fast.
# Environment: HIPDRIVE_ARM_BACKENDS (default "ncnn"; "ncnn openvino" adds OpenVINO's INT8, hours
# emulated), HIPDRIVE_ARM_DURATION (seconds of
# the clip, default 3), HIPDRIVE_ARM_DEMO_TIMEOUT (seconds per demo, default 5400), QEMU_CPU
# (default cortex-a76), HIPDRIVE_ARM_DIR (default var/arm), HIPDRIVE_ARM_EXPORT_ON_ARM=1 to make the
# exports on aarch64.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARM=${HIPDRIVE_ARM_DIR:-$REPO/var/arm}
ROOT=$ARM/root
DATA=$ARM/data              # bind-mounted at /srv/hipdrive in the root
LOGS=$ARM/logs
SUITE=bookworm
# NCNN by default: emulated, it poses the 3 s of the clip in about 17 minutes here; OpenVINO's INT8
# takes tens of seconds a frame, so 3 s of the clip take hours (HIPDRIVE_ARM_DURATION=1 shortens).
BACKENDS=${HIPDRIVE_ARM_BACKENDS:-ncnn}
DURATION=${HIPDRIVE_ARM_DURATION:-3}
DEMO_TIMEOUT=${HIPDRIVE_ARM_DEMO_TIMEOUT:-5400}
EXPORT_ON_ARM=${HIPDRIVE_ARM_EXPORT_ON_ARM:-0}
HOST_HIPDRIVE=$REPO/.venv/bin/hipdrive
VENV=/opt/hipdrive-venv     # inside the root
SRC=/opt/hipdrive-src       # inside the root
IMGSZ=320x256               # the shipped config's pose.imgsz
# Newer torch releases were not checked on this root; 2.9.1 installs and imports on aarch64.
TORCH_PINS=("torch==2.9.1" "torchvision==0.24.1")
# Debian's build tools for sdists (python-prctl needs libcap-dev), libGL and GLib for
# opencv-python, libarchive for picamera2.
ROOT_PACKAGES=python3,python3-venv,python3-dev,build-essential,libcap-dev,ca-certificates,libgl1,libglib2.0-0,libarchive13
export QEMU_CPU=${QEMU_CPU:-cortex-a76}

step_no=0
step() {
    step_no=$((step_no + 1))
    printf '\n==> [%d] %s (%s)\n' "$step_no" "$*" "$(date +%H:%M:%S)"
}
note() { printf '    %s\n' "$*"; }
die() {
    printf '\ncheck-arm: FAILED: %s\n' "$1" >&2
    shift
    for line in "$@"; do printf '  next: %s\n' "$line" >&2; done
    exit 1
}

MOUNTS=()
cleanup() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null ||
            printf 'check-arm: could not unmount %s; run: umount -l %s\n' "${MOUNTS[i]}" "${MOUNTS[i]}" >&2
    done
    MOUNTS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_into_root() {  # mount_into_root TARGET MOUNT-ARGS...
    local target=$ROOT$1
    shift
    mkdir -p "$target"
    mountpoint -q "$target" && umount -l "$target"  # left over by a killed run
    mount "$@" "$target"
    MOUNTS+=("$target")
}

PROXY_VARS=(http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY)
in_root() {  # a command in the arm64 root, as root, with a clean environment but the proxies
    local pass=() var
    for var in "${PROXY_VARS[@]}"; do [[ -n ${!var:-} ]] && pass+=("$var=${!var}"); done
    chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=$VENV/bin:/usr/local/bin:/usr/bin:/bin \
        LANG=C.UTF-8 QEMU_CPU="$QEMU_CPU" PIP_CONFIG_FILE=/etc/pip.conf "${pass[@]}" "$@"
}

host_mirror() {  # the Debian mirror the host's apt uses, read from its sources at run time
    local uri
    uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    printf '%s' "$uri"
}

# ---------------------------------------------------------------------------------------------
step "checking the host"
[[ $(id -u) == 0 ]] || die "must run as root (chroot, mount, debootstrap)" "sudo make check-arm"
host_arch=$(uname -m)
note "host $host_arch, $(. /etc/os-release && echo "$PRETTY_NAME"), emulated CPU: $QEMU_CPU"
if [[ $host_arch != aarch64 ]]; then
    missing=()
    command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v update-binfmts >/dev/null || missing+=(binfmt-support)
    if ((${#missing[@]})); then
        note "installing from Debian: ${missing[*]}"
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; } \
            >"$ARM.apt.log" 2>&1 || die "apt-get install ${missing[*]} failed (log: $ARM.apt.log)" \
            "apt-get update && apt-get install -y ${missing[*]}, then make check-arm again"
    fi
fi
mkdir -p "$ARM" "$DATA/var" "$LOGS"

# ---------------------------------------------------------------------------------------------
if [[ $host_arch != aarch64 ]]; then
    step "registering qemu-aarch64 with binfmt_misc"
    if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
            die "cannot mount binfmt_misc" \
                "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc (a container may need --privileged)"
    fi
    if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
        update-binfmts --enable qemu-aarch64 ||
            die "update-binfmts --enable qemu-aarch64 failed" "apt-get install --reinstall qemu-user-static binfmt-support"
    fi
    grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
        die "qemu-aarch64 is registered without the F (fix-binary) flag, so a chroot cannot find it" \
            "update-binfmts --disable qemu-aarch64 && update-binfmts --enable qemu-aarch64"
    note "$(sed -n 's/^interpreter /interpreter: /p; s/^flags: /flags: /p' /proc/sys/fs/binfmt_misc/qemu-aarch64 | paste -sd' ')"
fi

# ---------------------------------------------------------------------------------------------
step "arm64 Debian $SUITE root in $ROOT"
if [[ -f $ROOT/.hipdrive-root-complete ]]; then
    note "reusing it (delete $ROOT to make it again)"
else
    mirror=$(host_mirror)
    [[ -n $mirror ]] || die "no Debian mirror found in /etc/apt/sources.list{,.d}" \
        "configure apt on this host (apt-get update must work), then make check-arm again"
    note "debootstrap --arch arm64 from the host's apt mirror; its second stage runs emulated" \
        "(about 10-20 minutes; log: $LOGS/debootstrap.log)"
    rm -rf "$ROOT.partial"
    debootstrap --arch arm64 --variant=minbase --include="$ROOT_PACKAGES" \
        "$SUITE" "$ROOT.partial" "$mirror" >"$LOGS/debootstrap.log" 2>&1 ||
        die "debootstrap failed; the end of $LOGS/debootstrap.log (and $ROOT.partial/debootstrap/debootstrap.log) says why" \
            "fix that (often: the mirror is unreachable), then make check-arm again"
    rm -rf "$ROOT"
    mv "$ROOT.partial" "$ROOT"
    touch "$ROOT/.hipdrive-root-complete"
fi
# Packages added to ROOT_PACKAGES after the root was made.
missing_pkgs=$(for pkg in ${ROOT_PACKAGES//,/ }; do
    [[ $(chroot "$ROOT" dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] ||
        printf '%s ' "$pkg"
done)
if [[ -n $missing_pkgs ]]; then
    note "installing into the root: $missing_pkgs"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin DEBIAN_FRONTEND=noninteractive \
        sh -c "apt-get update -q && apt-get install -y -q $missing_pkgs" >"$LOGS/apt-root.log" 2>&1 ||
        die "apt-get install in the root failed (log: $LOGS/apt-root.log)" "rm -rf $ROOT && make check-arm"
fi
machine=$(chroot "$ROOT" /usr/bin/uname -m) ||
    die "the arm64 root does not run" "check that /proc/sys/fs/binfmt_misc/qemu-aarch64 says enabled"
note "chroot $ROOT uname -m: $machine; $(chroot "$ROOT" /usr/bin/python3 --version)"

# ---------------------------------------------------------------------------------------------
step "mounting /proc, /sys, /dev and the check's data folder into the root"
mount_into_root /proc -t proc proc
mount_into_root /sys -t sysfs sys
mount_into_root /dev --bind /dev
mount_into_root /dev/pts --bind /dev/pts
mount_into_root /srv/hipdrive --bind "$DATA"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
note "${MOUNTS[*]}"

# ---------------------------------------------------------------------------------------------
step "pip configuration for the root, copied from the host's"
# The host's index, proxy and certificate settings, so pip in the root reaches the same package
# index. Host-only paths (file:// indexes, find-links, constraints of x86 wheels on this disk)
# are left out: they hold no aarch64 wheels and do not exist in the root.
host_cert=$(pip config get global.cert 2>/dev/null || printf '%s' "${PIP_CERT:-}")
if [[ -n $host_cert && -f $host_cert ]]; then
    cp -L "$host_cert" "$ROOT/etc/hipdrive-host-ca.pem"
fi
python3 - "$ROOT/etc/pip.conf" <<'PY'
import os, subprocess, sys

settings = {}
listed = subprocess.run(["pip", "config", "list"], capture_output=True, text=True).stdout
for line in listed.splitlines():
    key, _, value = line.partition("=")
    settings[key.split(".", 1)[-1]] = value.strip().strip("'\"")
for name, value in os.environ.items():
    if name.startswith("PIP_"):
        settings[name[4:].lower().replace("_", "-")] = value
keep = {}
for key in ("index-url", "extra-index-url", "trusted-host", "proxy", "timeout", "default-timeout", "retries"):
    urls = [u for u in settings.get(key, "").split() if not u.startswith("file:")]
    if urls:
        keep[key] = " ".join(urls)
if os.path.exists(sys.argv[1].replace("pip.conf", "hipdrive-host-ca.pem")):
    keep["cert"] = "/etc/hipdrive-host-ca.pem"
with open(sys.argv[1], "w") as f:
    f.write("# Written by tools/check-arm.sh from the host's pip configuration.\n[global]\n")
    f.writelines(f"{key} = {value}\n" for key, value in keep.items())
skipped = sorted(set(settings) - set(keep) - {"cert"})
print("    kept:", ", ".join(keep) or "nothing (pip's defaults)", "| left out:", ", ".join(skipped) or "-")
PY
for proxy in "${PROXY_VARS[@]}"; do
    [[ -n ${!proxy:-} ]] && note "the host sets $proxy; it is passed on to commands in the root"
done

# ---------------------------------------------------------------------------------------------
step "the project's source into the root ($SRC)"
rm -rf "$ROOT$SRC"
mkdir -p "$ROOT$SRC"
git -C "$REPO" ls-files -z --cached --others --exclude-standard |
    (cd "$REPO" && xargs -0 tar --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$ROOT$SRC"
note "$(git -C "$REPO" rev-parse --short HEAD) plus the work tree's changes, $(du -sh "$ROOT$SRC" | cut -f1)"

# ---------------------------------------------------------------------------------------------
step "venv $VENV with hipdrive[openvino,ncnn] from PyPI's aarch64 wheels"
if [[ ! -x $ROOT$VENV/bin/python ]]; then
    in_root /usr/bin/python3 -m venv "$VENV"
    in_root python -m pip install --quiet --upgrade "pip>=25.1" ||
        die "pip could not upgrade itself in the root: the package index is not reachable from it" \
            "check $ROOT/etc/pip.conf and $ROOT/etc/resolv.conf against the host's"
fi
printf '%s\n' "${TORCH_PINS[@]}" >"$ROOT/opt/torch-pins.txt"
stamp=$ROOT$VENV/.hipdrive-installed
want=$(sha256sum "$REPO/pyproject.toml" | cut -c1-16)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    note "dependencies already installed for this pyproject.toml; reinstalling hipdrive alone"
    in_root pip install --quiet --no-deps --force-reinstall "$SRC" >"$LOGS/pip-hipdrive.log" 2>&1 ||
        die "pip install --no-deps $SRC failed (log: $LOGS/pip-hipdrive.log)" "rm $stamp && make check-arm"
else
    note "with torch pinned (${TORCH_PINS[*]}), about 1.5 GB of wheels; log: $LOGS/pip-core.log"
    if ! in_root pip install --progress-bar off -c /opt/torch-pins.txt "$SRC[openvino,ncnn]" \
        >"$LOGS/pip-core.log" 2>&1; then
        grep -E '^(ERROR|error):' "$LOGS/pip-core.log" | head -5 >&2 || true
        die "pip install hipdrive[openvino,ncnn] failed on aarch64 (log: $LOGS/pip-core.log)" \
            "a package without an aarch64 wheel needs a build dependency: add its Debian package to ROOT_PACKAGES in tools/check-arm.sh"
    fi
    note "the Pi extra (picamera2 and its sdists); log: $LOGS/pip-pi.log"
    if in_root pip install --progress-bar off -c /opt/torch-pins.txt "$SRC[pi]" >"$LOGS/pip-pi.log" 2>&1; then
        note "hipdrive[pi] installed"
    else
        grep -E '^(ERROR|error):' "$LOGS/pip-pi.log" | head -5 | sed 's/^/    /'
        note "hipdrive[pi] did NOT install (log: $LOGS/pip-pi.log); going on without picamera2," \
            "which a Pi gets from Raspberry Pi OS: apt install python3-picamera2"
    fi
    printf '%s' "$want" >"$stamp"
fi
in_root pip list --format=freeze 2>/dev/null |
    grep -iE '^(hipdrive|numpy|numba|llvmlite|openvino|nncf|ncnn|pnnx|torch|torchvision|ultralytics|opencv-python|pyzmq|picamera2|python-prctl|simplejpeg|av|pidng)==' |
    paste -sd' ' | fold -s -w 96 | sed 's/^/    /'

# ---------------------------------------------------------------------------------------------
write_config() {  # write_config BACKEND PRECISION: a config for the demo in the root
    cat >"$DATA/$1.toml" <<EOF
# Written by tools/check-arm.sh: the demo on $1 in the arm64 root.
[station]
data_dir = "var"
[pose]
backend = "$1"
precision = "$2"
imgsz = [${IMGSZ/x/, }]
[bus]
# ipc, so the check never competes for the TCP ports of a station on the host.
publish = "ipc:///tmp/hipdrive-arm-pub"
control = "ipc:///tmp/hipdrive-arm-control"
EOF
}
precision_of() { [[ $1 == openvino ]] && echo int8 || echo fp32; }
for backend in $BACKENDS; do write_config "$backend" "$(precision_of "$backend")"; done
first=${BACKENDS%% *}

step "hipdrive model fetch, on aarch64"
in_root hipdrive model fetch --config "/srv/hipdrive/$first.toml" 2>&1 | tee "$LOGS/fetch.log" | sed 's/^/    /'
((PIPESTATUS[0] == 0)) || die "hipdrive model fetch failed on aarch64 (log: $LOGS/fetch.log)" \
    "read the message above; pip in the root must reach the package index (check $ROOT/etc/pip.conf)"

# ---------------------------------------------------------------------------------------------
step "exports and the demo clip (platform-independent files)"
models=$DATA/var/models
export_target() {  # the folder the backend runs, as edge/pose/{models,quantize}.py name it
    case $1 in
        openvino) echo "$models/yolo11n-pose-${IMGSZ}-int8_openvino_model" ;;
        *) echo "$models/yolo11n-pose-${IMGSZ}_$1_model" ;;
    esac
}
host_run() { (cd "$DATA" && "$HOST_HIPDRIVE" "$@"); }
where=arm
if [[ $EXPORT_ON_ARM != 1 && $host_arch != aarch64 && -x $HOST_HIPDRIVE ]]; then
    where=host
    note "made on the x86 HOST with $REPO/.venv, to save emulated time (HIPDRIVE_ARM_EXPORT_ON_ARM=1" \
        "makes them on aarch64 instead); they are copied into the root through /srv/hipdrive"
elif [[ $EXPORT_ON_ARM != 1 && $host_arch != aarch64 ]]; then
    note "no host venv ($HOST_HIPDRIVE; make model creates it): the demo makes them itself on aarch64, slowly"
fi
if [[ $where == host ]]; then
    for backend in $BACKENDS; do
        target=$(export_target "$backend")
        if [[ -e $target ]]; then
            note "$backend: $(basename "$target") is there"
            continue
        fi
        args=(--format "$backend" --imgsz "$IMGSZ")
        [[ $backend == openvino ]] && args+=(--int8)
        note "$backend: hipdrive model export ${args[*]} (host)"
        host_run model export --config "$backend.toml" "${args[@]}" >"$LOGS/export-$backend.log" 2>&1 ||
            die "exporting $backend on the host failed (log: $LOGS/export-$backend.log)" \
                "run it alone: cd $DATA && $HOST_HIPDRIVE model export --config $backend.toml ${args[*]}"
    done
    if [[ ! -f $DATA/var/demo/demo.mp4 || ! -f $DATA/var/demo/truth.json ]]; then
        note "rendering the demo clip (host): hipdrive demo --render"
        host_run demo --config "$first.toml" --render >"$LOGS/render.log" 2>&1 ||
            die "rendering the demo clip on the host failed (log: $LOGS/render.log)" \
                "run it alone: cd $DATA && $HOST_HIPDRIVE demo --config $first.toml --render"
    fi
fi
ls "$models" | sed 's/^/    models: /'

# ---------------------------------------------------------------------------------------------
step "what aarch64 offers: numba JIT, OpenVINO, NCNN, torch (emulated $QEMU_CPU)"
in_root python - <<'PY' 2>&1 | tee "$LOGS/platform.log" | sed 's/^/    /'
import platform
import time

print("machine", platform.machine(), "| python", platform.python_version(), "| libc", *platform.libc_ver())
import ctypes

libc = ctypes.CDLL(None)
libc.getauxval.restype = ctypes.c_ulong
hwcap = libc.getauxval(16)  # AT_HWCAP: what the (emulated) CPU says it has
names = {1: "asimd (NEON)", 9: "fphp", 10: "asimdhp", 20: "asimddp", 22: "sve"}
print("CPU features (AT_HWCAP):", ", ".join(n for bit, n in names.items() if hwcap >> bit & 1) or "-",
      "| without:", ", ".join(n for bit, n in names.items() if not hwcap >> bit & 1) or "-")
import numpy as np

print("numpy", np.__version__)
try:
    import numba

    started = time.monotonic()

    @numba.njit(cache=False)
    def total(x):
        s = 0.0
        for v in x:
            s += v
        return s

    value = total(np.arange(10.0))
    print(f"numba {numba.__version__}: njit compiled and ran, sum = {value:g} (target {numba.config.NUMBA_DEFAULT_NUM_THREADS} threads)")
    import llvmlite.binding as llvm

    print("llvmlite", llvm.llvm_version_info, "host CPU as LLVM sees it:", llvm.get_host_cpu_name())
except Exception as exc:
    print("numba FAILED:", type(exc).__name__, exc)
try:
    import sys

    sys.modules.setdefault("openvino_telemetry", None)
    import openvino as ov

    core = ov.Core()
    print("openvino", ov.__version__, "devices", core.available_devices, "|",
          core.get_property("CPU", "FULL_DEVICE_NAME"))
    caps = core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    print("openvino CPU capabilities", list(caps))
except Exception as exc:
    print("openvino FAILED:", type(exc).__name__, exc)
try:
    import ncnn

    print("ncnn", ncnn.__version__, "| cpu count", ncnn.get_cpu_count())
except Exception as exc:
    print("ncnn FAILED:", type(exc).__name__, exc)
try:
    import torch

    print("torch", torch.__version__, "| matmul ok:", bool((torch.ones(2, 2) @ torch.ones(2, 2)).sum() == 8))
except Exception as exc:
    print("torch FAILED:", type(exc).__name__, exc)
try:
    import picamera2  # noqa: F401

    print("picamera2 imports")
except Exception as exc:
    print("picamera2 does not import:", type(exc).__name__, exc)
PY

# ---------------------------------------------------------------------------------------------
declare -A RESULT
for backend in $BACKENDS; do
    step "hipdrive demo --headless --duration $DURATION on $backend ($(precision_of "$backend")), on aarch64"
    note "log: $LOGS/demo-$backend.log; a file source drops no frame, so every one of the"
    note "$DURATION s is posed, emulated: minutes. The station's status lines show its progress."
    set +e
    in_root timeout --kill-after=60 "$DEMO_TIMEOUT" \
        hipdrive demo --config "/srv/hipdrive/$backend.toml" --headless --duration "$DURATION" \
        2>&1 | tee "$LOGS/demo-$backend.log" | sed 's/^/    /'
    code=${PIPESTATUS[0]}
    set -e
    # A demo stopped from outside (SIGTERM) also ends cleanly with exit 0: only one that
    # played its clip to the end has run.
    if ((code == 0)) && ! grep -q "has ended" "$LOGS/demo-$backend.log"; then
        code=stopped
    fi
    case $code in
        0) RESULT[$backend]=ok ;;
        stopped) RESULT[$backend]="STOPPED before the clip ended (was it sent a signal?)" ;;
        124 | 137) RESULT[$backend]="TIMED OUT after $DEMO_TIMEOUT s (HIPDRIVE_ARM_DEMO_TIMEOUT=SECONDS gives it longer)" ;;
        *) RESULT[$backend]="FAILED (exit $code)" ;;
    esac
done

lean=${BACKENDS%% *}
if [[ ${RESULT[$lean]:-} == ok ]]; then
    step "is torch needed on the Pi? the $lean demo again with torch and ultralytics unimportable"
    note "0.25 s of the clip; log: $LOGS/demo-no-torch.log"
    set +e
    in_root timeout --kill-after=60 "$DEMO_TIMEOUT" python -c '
import sys
sys.modules.update(torch=None, torchvision=None, ultralytics=None)
from edge.cli import main
code = main(sys.argv[1:])
assert "torch" not in [m for m in sys.modules if sys.modules[m] is not None]
raise SystemExit(code)' demo --config "/srv/hipdrive/$lean.toml" --headless --duration 0.25 \
        2>&1 | tee "$LOGS/demo-no-torch.log" | sed 's/^/    /'
    code=${PIPESTATUS[0]}
    set -e
    if ((code == 0)); then
        RESULT[without torch]=ok
        note "the station runs on $lean without torch: the Pi needs it only to export from .pt"
    else
        RESULT[without torch]="FAILED (exit $code): something on the lean path imports torch or ultralytics"
    fi
fi

cleanup
step "summary"
failed=0
for backend in $BACKENDS ${RESULT[without torch]+"without torch"}; do
    note "demo on $backend: ${RESULT[$backend]}"
    [[ ${RESULT[$backend]} == ok ]] || failed=1
done
note "exports made on: $where; logs in $LOGS"
if ((failed)); then
    die "a demo failed on aarch64" "read its log in $LOGS; hipdrive -v ... gives the traceback"
fi
printf '\ncheck-arm: OK: hipdrive installs and runs its demo on emulated aarch64 (%s)\n' "$BACKENDS"
