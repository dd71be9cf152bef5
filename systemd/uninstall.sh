#!/usr/bin/env bash
# Remove a Hipdrive station installed by systemd/install.sh:
#
#   sudo systemd/uninstall.sh [--purge]
#
# Stops and removes the units and /opt/hipdrive. The configuration (/etc/hipdrive), the data
# (/var/lib/hipdrive: models, sessions, calibration) and the hipdrive user stay, so that a
# reinstall carries on where this one stopped; --purge removes them too.
set -euo pipefail

purge=0
case "${1:-}" in
    "") ;;
    --purge) purge=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "uninstall.sh: run it as root: sudo $0 $*" >&2; exit 1; }

units=(hipdrive-dashboard.service hipdrive-edge.service)
systemctl disable --now "${units[@]}" 2>/dev/null || true
rm -f /etc/systemd/system/hipdrive-edge.service /etc/systemd/system/hipdrive-dashboard.service
rm -rf /etc/systemd/system/hipdrive-edge.service.d
systemctl daemon-reload
rm -rf /opt/hipdrive
echo "removed the units and /opt/hipdrive"

if [ "$purge" -eq 1 ]; then
    rm -rf /etc/hipdrive /var/lib/hipdrive /var/cache/hipdrive
    if id hipdrive >/dev/null 2>&1; then
        userdel hipdrive
    fi
    echo "purged /etc/hipdrive, /var/lib/hipdrive, /var/cache/hipdrive and the hipdrive user"
else
    echo "kept /etc/hipdrive (configuration) and /var/lib/hipdrive (models, sessions," \
        "calibration); remove them with --purge"
fi
