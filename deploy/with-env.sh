#!/usr/bin/env bash
# Run a command as the services run: with the environment file loaded, in the checkout, with the
# virtualenv first on the PATH. For the commands of docs/DEPLOY.md, as the service user:
#
#   sudo -u de-an-06 /srv/de-an-06/app/deploy/with-env.sh python manage.py migrate
#   sudo -u de-an-06 /srv/de-an-06/app/deploy/with-env.sh deploy/restore-drill.sh
#
# The file is read by bash here and by systemd (EnvironmentFile=) for the services: keep to
# NAME=value lines, double quotes around a value with spaces, and no $, ` or \ in values.
set -euo pipefail
app=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file=${DE_AN_06_ENV_FILE:-/etc/de-an-06/env}
if [[ ! -r $env_file ]]; then
  printf 'ERROR: cannot read %s: run as the service user (sudo -u de-an-06 %s …), or set DE_AN_06_ENV_FILE\n' \
    "$env_file" "$0" >&2
  exit 1
fi
(($#)) || { printf 'Usage: %s COMMAND [ARGUMENT…]\n' "$0" >&2; exit 2; }
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
cd "$app"
export PATH="$app/.venv/bin:$PATH"
exec "$@"
