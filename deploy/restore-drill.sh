#!/usr/bin/env bash
# Restore drill: prove that a backup restores. Restores a dump made by backup.sh into a scratch
# database created for the purpose, compares the row counts of the key tables with the source
# database, checks that the restored schema has every migration of this code applied, and drops
# the scratch database. Exits 0 only when everything matches. See docs/DEPLOY.md, "Restore drill".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
app=$(dirname "$here")
# shellcheck source=deploy/lib.sh
. "$here/lib.sh"

usage() {
  cat <<'USAGE'
Usage: deploy/restore-drill.sh [--dir DIR] [--live] [--keep] [DUMP]

  DUMP        a .dump file made by backup.sh (default: the newest one in DIR)
  --dir DIR   where backups are (default: $BACKUP_DIR, else /var/backups/de-an-06)
  --live      also compare with the source database as it is now; only meaningful when nothing
              was written since the dump (this is the comparison made when the dump has no
              .manifest beside it)
  --keep      keep the scratch database afterwards (its name is printed) instead of dropping it

Environment:
  DATABASE_URL        the source database, postgres://user:password@host:5432/name (required)
  DRILL_DATABASE_URL  a connection whose role may create databases; the scratch database is made
                      on its server, named de_an_06_drill_<time>_<pid> (default: DATABASE_URL)
  PYTHON              the Python that runs manage.py (default: .venv/bin/python of this checkout)
  DJANGO_SETTINGS_MODULE and the rest of the application's environment, for manage.py
USAGE
}

dir=${BACKUP_DIR:-/var/backups/de-an-06}
live=0
keep=0
dump=""
while (($#)); do
  case $1 in
    --dir) dir=${2:?--dir needs a folder}; shift 2 ;;
    --live) live=1; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) [[ -z $dump ]] || { usage >&2; exit 2; }; dump=$1; shift ;;
  esac
done
[[ -n ${DATABASE_URL:-} ]] || die "DATABASE_URL is not set (it is in /etc/de-an-06/env on a server)"
for tool in pg_restore psql createdb dropdb sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install postgresql-client)"
done
python=${PYTHON:-$app/.venv/bin/python}
[[ -x $python ]] || die "no Python at $python: set PYTHON to the virtualenv's python"

fail() {
  printf 'RESTORE DRILL FAILED: %s\n' "$*" >&2
  exit 1
}
started=$EPOCHREALTIME

# 1. The dump and its manifest ----------------------------------------------------------------
if [[ -z $dump ]]; then
  dump=$(find "$dir" -maxdepth 1 -name 'de-an-06-*.dump' 2>/dev/null | sort | tail -n 1)
  [[ -n $dump ]] || fail "no de-an-06-*.dump in $dir: give the dump to restore, or --dir"
fi
[[ -f $dump ]] || fail "$dump does not exist"
say "[1/5] Dump $dump ($(du -h "$dump" | cut -f1), $(date -r "$dump" '+%d/%m/%Y %H:%M'))"
manifest="${dump%.dump}.manifest"
declare -A at_dump=()
if [[ -f $manifest ]]; then
  expected_sha=$(awk '$1 == "sha256" { print $2 }' "$manifest")
  [[ $(sha256sum "$dump" | cut -d' ' -f1) == "$expected_sha" ]] ||
    fail "$dump is not the file its manifest describes (sha256 differs): damaged or replaced"
  while read -r word table count; do
    [[ $word == count ]] && at_dump[$table]=$count
  done <"$manifest"
  say "      sha256 matches $manifest"
else
  say "      no manifest beside it: comparing with the source database as it is now"
  live=1
fi
pg_restore --list "$dump" >/dev/null 2>&1 || fail "pg_restore cannot read $dump: not a custom-format dump, or damaged"

# 2. A scratch database -----------------------------------------------------------------------
pg_parse "$DATABASE_URL"
source_url=$PG_URL source_password=$PG_PASSWORD source_name=$PG_DBNAME
admin_django_url=${DRILL_DATABASE_URL:-$DATABASE_URL}
pg_parse "$admin_django_url"
admin_url=$PG_URL admin_password=$PG_PASSWORD
scratch="de_an_06_drill_$(date +%Y%m%d%H%M%S)_$$"
scratch_url=$(url_with_db "$admin_url" "$scratch")

drop_scratch() {
  if ((keep)); then
    say "Kept the scratch database $scratch (drop it with: dropdb $scratch)"
  else
    with_password "$admin_password" dropdb --if-exists --force --maintenance-db="$admin_url" "$scratch" ||
      printf 'WARNING: could not drop the scratch database %s; drop it by hand\n' "$scratch" >&2
  fi
}
with_password "$admin_password" createdb --template=template0 --maintenance-db="$admin_url" "$scratch" ||
  fail "could not create the scratch database $scratch: the role of DRILL_DATABASE_URL needs CREATEDB"
trap drop_scratch EXIT
say "[2/5] Scratch database $scratch created"

# 3. Restore ---------------------------------------------------------------------------------
restore_started=$EPOCHREALTIME
with_password "$admin_password" pg_restore --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$scratch_url" "$dump" || fail "pg_restore stopped with an error (above): $dump does not restore"
say "[3/5] Restored in $(elapsed "$restore_started") s"

# 4. Row counts ------------------------------------------------------------------------------
count_rows() { # PASSWORD URL: "table count" lines
  with_password "$1" psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 --dbname="$2" <<<"$(counts_sql)"
}
declare -A restored=() now=()
lines=$(count_rows "$admin_password" "$scratch_url") || fail "could not count the key tables in the restored database"
while read -r table count; do restored[$table]=$count; done <<<"$lines"
if ((live)); then
  lines=$(count_rows "$source_password" "$source_url") ||
    fail "could not count the key tables in the source database $source_name"
  while read -r table count; do now[$table]=$count; done <<<"$lines"
fi
say "[4/5] Row counts of the key tables"
header=$(printf '      %-34s' table)
((${#at_dump[@]})) && header+=$(printf ' %12s' at-dump)
((live)) && header+=$(printf ' %12s' live-now)
header+=$(printf ' %12s' restored)
say "$header"
mismatches=()
for table in "${KEY_TABLES[@]}"; do
  line=$(printf '      %-34s' "$table")
  status=ok
  if ((${#at_dump[@]})); then
    line+=$(printf ' %12s' "${at_dump[$table]:-?}")
    [[ ${at_dump[$table]:-} == "${restored[$table]:-}" ]] || status=MISMATCH
  fi
  if ((live)); then
    line+=$(printf ' %12s' "${now[$table]:-?}")
    [[ ${now[$table]:-} == "${restored[$table]:-}" ]] || status=MISMATCH
  fi
  line+=$(printf ' %12s  %s' "${restored[$table]:-?}" "$status")
  say "$line"
  [[ $status == ok ]] || mismatches+=("$table")
done
((${#mismatches[@]} == 0)) || fail "row counts differ in ${mismatches[*]}: the restored database is not the source"

# 5. Migrations ------------------------------------------------------------------------------
migrations_url=$(url_with_db "$admin_django_url" "$scratch")
# showmigrations --plan lists every migration of this code, [X] applied and [ ] not: the same
# test as migrate --check, and it names what is missing.
if ! plan=$(DATABASE_URL=$migrations_url "$python" "$app/manage.py" showmigrations --plan 2>&1); then
  printf '%s\n' "$plan" | tail -n 20 >&2
  fail "manage.py cannot run against the restored database (its last words are above)"
fi
missing=$(grep -c '^\[ \]' <<<"$plan" || true)
if ((missing)); then
  grep '^\[ \]' <<<"$plan" | sed 's/^/      /' >&2
  fail "the restored database lacks $missing migration(s) of this code (listed above): the dump was made \
before the last upgrade, or the code is not the one that made it"
fi
grep -q '^\[X\]' <<<"$plan" || fail "manage.py showmigrations listed no migration: $plan"
say "[5/5] Migrations: all $(grep -c '^\[X\]' <<<"$plan") migrations of this code are applied in the restored database"

say "Restore drill passed in $(elapsed "$started") s: $dump restores into a fresh database, \
${#KEY_TABLES[@]} key tables match, no migration missing."
