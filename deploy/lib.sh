# shellcheck shell=bash
# Shared by backup.sh and restore-drill.sh (sourced, not run).

# The tables whose row counts a backup records and a restore drill compares: the unit tree, the
# accounts, the work and its history, the outbox, beat's schedule, and which migrations ran.
# tests/ops/test_deploy_files.py checks that each one is a table of the current models.
KEY_TABLES=(
  units_unit
  units_user
  tasks_document
  tasks_task
  tasks_assignment
  tasks_target
  tasks_indicatorreport
  tasks_historyentry
  tasks_evidence
  reports_notification
  django_celery_beat_periodictask
  django_migrations
)

say() { printf '%s\n' "$*"; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

# Elapsed seconds since $1 (an $EPOCHREALTIME value), one decimal.
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# pg_parse URL: split a DATABASE_URL (postgres://user:password@host:5432/name?options, the
# project's convention, read by django-environ) into
#   PG_URL       the same URL for libpq (pg_dump, psql, …) without the password,
#   PG_PASSWORD  the password, percent-decoded (handed over as PGPASSWORD, never on a command line),
#   PG_DBNAME    the database name.
pg_parse() {
  local url=$1 scheme rest userinfo hostpart
  case $url in
    postgres://* | postgresql://* | pgsql://* | psql://*) ;;
    *) die "expected a PostgreSQL URL like postgres://user:password@127.0.0.1:5432/name, got '${url%%://*}://…'" ;;
  esac
  scheme=${url%%://*}
  rest=${url#*://}
  PG_PASSWORD=""
  if [[ $rest == *@* ]]; then
    userinfo=${rest%%@*}
    hostpart=${rest#*@}
    if [[ $userinfo == *:* ]]; then
      PG_PASSWORD=${userinfo#*:}
      PG_PASSWORD=$(printf '%b' "${PG_PASSWORD//%/\\x}")
      userinfo=${userinfo%%:*}
    fi
    rest="$userinfo@$hostpart"
  fi
  [[ $scheme == postgres || $scheme == postgresql ]] || scheme=postgresql
  # shellcheck disable=SC2034 # read by the scripts that source this file
  PG_URL="$scheme://$rest"
  local path=${rest%%\?*}
  PG_DBNAME=""
  [[ $path == */* ]] && PG_DBNAME=${path##*/}
  [[ -n $PG_DBNAME ]] || die "the URL names no database: $(redact "$url")"
}

# url_with_db URL NAME: the same URL with another database name (options and password kept).
url_with_db() {
  local url=$1 name=$2 base query
  base=${url%%\?*}
  query=${url:${#base}}
  if [[ ${base#*://} == */* ]]; then
    printf '%s/%s%s' "${base%/*}" "$name" "$query"
  else
    printf '%s/%s%s' "$base" "$name" "$query"
  fi
}

# The URL without its password, for messages.
redact() { sed -E 's#^([a-z]+://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

# with_password PASSWORD COMMAND…: run COMMAND with PGPASSWORD set when there is one.
with_password() {
  local password=$1
  shift
  if [[ -n $password ]]; then
    PGPASSWORD=$password "$@"
  else
    "$@"
  fi
}

# One "table count" line per key table, in the order of KEY_TABLES, as psql -At prints them.
counts_sql() {
  local i table sql=""
  for i in "${!KEY_TABLES[@]}"; do
    table=${KEY_TABLES[$i]}
    [[ -n $sql ]] && sql+=" UNION ALL "
    sql+="SELECT $i AS i, '$table' AS t, count(*) AS n FROM $table"
  done
  printf 'SELECT t, n FROM (%s) AS counts ORDER BY i;\n' "$sql"
}
