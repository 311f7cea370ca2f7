# Shared set-up for scripts/run and scripts/test. Sourced, not executed.
# Idempotent: every step checks before it acts, so a second run takes seconds.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="${ODOO_PATH:-$HOME/odoo-18.0}"
VENV="$REPO/.venv"
ODOO_GIT_URL="https://github.com/odoo/odoo.git"
# pip applies PIP_CONSTRAINT to build environments only up to 25.x; from
# 26 on, build dependencies follow PIP_BUILD_CONSTRAINT instead. Set both.
export PIP_CONSTRAINT="$REPO/scripts/pip-constraints.txt"
export PIP_BUILD_CONSTRAINT="$PIP_CONSTRAINT"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1m[social-care]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[social-care] error:\033[0m %s\n' "$*" >&2; exit 2; }

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3.12 python3.10 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))'; then
            PYTHON_BIN="$(command -v "$candidate")"
            return
        fi
    done
    die "Odoo 18 needs Python 3.10, 3.11 or 3.12 and none was found ($(python3 --version 2>&1 || echo 'no python3')). Install python3.11 (e.g. 'apt-get install python3.11 python3.11-venv python3.11-dev') or set PYTHON to its path."
}

odoo_is_18() {
    [ -f "$1/odoo-bin" ] && grep -q "^version_info = (18, 0," "$1/odoo/release.py" 2>/dev/null
}

ensure_odoo() {
    if odoo_is_18 "$ODOO_PATH"; then
        return
    fi
    if [ -e "$ODOO_PATH" ] && [ -n "$(ls -A "$ODOO_PATH" 2>/dev/null)" ]; then
        die "$ODOO_PATH is not an Odoo 18.0 checkout (no odoo-bin, or odoo/release.py is not 18.0). Point ODOO_PATH at an Odoo 18.0 community checkout."
    fi
    say "Odoo 18 not found at $ODOO_PATH; fetching Odoo 18.0 community from $ODOO_GIT_URL"
    if ! timeout 30 git ls-remote --exit-code --heads "$ODOO_GIT_URL" 18.0 >/dev/null 2>&1; then
        die "Odoo 18 is not at $ODOO_PATH and $ODOO_GIT_URL cannot be reached (offline?). On a machine with network: git clone --depth 1 --branch 18.0 $ODOO_GIT_URL $ODOO_PATH ; or set ODOO_PATH to an existing Odoo 18.0 checkout."
    fi
    mkdir -p "$(dirname "$ODOO_PATH")"
    git clone --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_PATH"
}

# PostgreSQL: the server the PG* variables name, else the local one.
ensure_postgres() {
    command -v psql >/dev/null 2>&1 || die "PostgreSQL client not found. Install PostgreSQL (e.g. 'apt-get install postgresql') or set PGHOST/PGPORT/PGUSER to a reachable server."
    DB_USER="${PGUSER:-$(id -un)}"
    [ "$DB_USER" != "postgres" ] || die "Odoo refuses to run as the 'postgres' database role. Set PGUSER to another role (one with CREATEDB)."
    if ! pg_isready -q -d postgres 2>/dev/null; then
        if [ -z "${PGHOST:-}" ] && command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
            local version cluster
            read -r version cluster _ < <(pg_lsclusters -h | head -n 1)
            say "PostgreSQL $version/$cluster is down; starting it"
            pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start \
                || die "could not start PostgreSQL $version/$cluster: try 'pg_ctlcluster $version $cluster start' as root."
            sleep 1
        fi
        pg_isready -q -d postgres 2>/dev/null \
            || die "PostgreSQL is not reachable (host ${PGHOST:-local socket}, port ${PGPORT:-5432}). Start it, or install it with 'apt-get install postgresql', or set PGHOST/PGPORT."
    fi
    if ! psql -U "$DB_USER" -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && [ -z "${PGHOST:-}" ]; then
            say "creating PostgreSQL role $DB_USER"
            su postgres -c "createuser --createdb --superuser '$DB_USER'" \
                || die "could not create the PostgreSQL role $DB_USER."
        else
            die "PostgreSQL role '$DB_USER' cannot connect. Create it: sudo -u postgres createuser --createdb $DB_USER (or set PGUSER)."
        fi
    fi
    export PGUSER="$DB_USER"
}

# The virtual environment: Odoo's requirements, helpdesk_mgmt, and ours.
ensure_venv() {
    find_python
    local stamp
    stamp="$( { "$PYTHON_BIN" --version; echo "$ODOO_PATH"; cat "$ODOO_PATH/requirements.txt" \
        "$REPO/scripts/common.sh" "$REPO/requirements.txt" "$REPO/scripts/pip-constraints.txt" "$REPO/requirements-dev.txt"; } 2>&1 | sha256sum | cut -c1-16)"
    if [ -f "$VENV/.social-care-stamp" ] && [ "$(cat "$VENV/.social-care-stamp")" = "$stamp" ]; then
        return
    fi
    say "preparing the virtual environment in $VENV (first run: a few minutes)"
    [ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
    local pip="$VENV/bin/pip"
    "$pip" install -q --upgrade pip wheel 'setuptools<80'
    # python-ldap only serves auth_ldap and needs libldap headers to build.
    grep -v '^python-ldap' "$ODOO_PATH/requirements.txt" > "$VENV/odoo-requirements.txt"
    "$pip" install -q -r "$VENV/odoo-requirements.txt"
    # Odoo itself, so that the OCA wheels' "odoo==18.0.*" requirement is met.
    "$pip" install -q --no-deps -e "$ODOO_PATH"
    # The OCA wheels' site-packages/odoo/addons/ makes site-packages/odoo a
    # namespace portion; a sys.path entry holding the real package wins over it.
    local site
    site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "$ODOO_PATH" > "$site/social-care-odoo-path.pth"
    # The addons themselves are found through --addons-path, not installed.
    "$pip" install -q -r "$REPO/requirements.txt" -r "$REPO/requirements-dev.txt"
    echo "$stamp" > "$VENV/.social-care-stamp"
}

# Chrome or Chromium for the browser tours (HttpCase.start_tour), found on the
# PATH the way Odoo 18 looks for it. Installed with apt-get when missing.
# Without a browser the tours fail: they are not skipped.
browser_found() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && return 0
    done
    return 1
}

ensure_browser() {
    browser_found && return
    local sudo="" log="${TMPDIR:-/tmp}/social-care-chromium-install.log"
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    fi
    local why
    if ! command -v apt-get >/dev/null 2>&1; then
        why="no apt-get on this system"
    elif [ "$(id -u)" != 0 ] && [ -z "$sudo" ]; then
        why="installing needs root or password-less sudo"
    else
        say "installing Chromium for the browser tours (apt-get install chromium; log: $log)"
        {
            $sudo apt-get update -q || true
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
                || $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium-browser
        } > "$log" 2>&1 || true
        why="apt-get install failed, see $log"
    fi
    browser_found || say "warning: no Chrome or Chromium on the PATH ($why): the browser tours will fail. Install it ('sudo apt-get install chromium') or put google-chrome or chromium on the PATH."
}

# Node.js runs the composer's X counter (social_care/static/src/reply_length.js)
# against twitter-text's conformance suite, in tests/test_x_text_conformance.py.
# Installed with apt-get when missing; without it those tests fail.
ensure_node() {
    command -v node >/dev/null 2>&1 && return
    local sudo="" log="${TMPDIR:-/tmp}/social-care-nodejs-install.log"
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    fi
    if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; }; then
        say "installing Node.js for the X counter's conformance tests (apt-get install nodejs; log: $log)"
        {
            $sudo apt-get update -q || true
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs
        } > "$log" 2>&1 || true
    fi
    command -v node >/dev/null 2>&1 || say "warning: no node on the PATH: the JS counter's conformance tests will fail. Install it ('sudo apt-get install nodejs')."
}

odoo_bin() {
    "$VENV/bin/python" "$ODOO_PATH/odoo-bin" --addons-path="$ODOO_PATH/odoo/addons,$REPO" "$@"
}

setup_all() {
    ensure_odoo
    ensure_postgres
    ensure_venv
}
