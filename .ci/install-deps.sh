#!/bin/sh
# Install the Debian packages named on the command line that are not
# installed yet. As root through apt-get, otherwise through sudo.
# "cmd:NAME" is the package NAME, needed only when no command NAME is on
# the PATH (npm: Debian packages it apart from nodejs, NodeSource's nodejs
# ships it, and the two conflict).
set -eu
missing=""
for p in "$@"; do
    case $p in
    cmd:*)
        p=${p#cmd:}
        command -v "$p" >/dev/null 2>&1 && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "flamepre: installing missing packages:$missing" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
