#!/usr/bin/env bash
# Back up the Đề án 06 database (and the uploaded files) into BACKUP_DIR, then delete backups
# older than the retention. Run daily by de-an-06-backup.timer; see docs/DEPLOY.md, "Backups".
#
# Each run writes, named by the time it started:
#   de-an-06-YYYYmmdd-HHMMSS.dump      pg_dump, custom format (pg_restore reads it)
#   de-an-06-YYYYmmdd-HHMMSS.manifest  the dump's sha256 and the row counts of the key tables,
#                                      counted in the very snapshot pg_dump saved, so that
#                                      restore-drill.sh can check a restore on a live system
#   media-YYYYmmdd-HHMMSS/             the evidence and import files of MEDIA_ROOT (rsync;
#                                      unchanged files are hard links to the previous copy)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=deploy/lib.sh
. "$here/lib.sh"

usage() {
  cat <<'USAGE'
Usage: deploy/backup.sh [--dir DIR] [--keep-days N] [--no-media]

  --dir DIR       where backups go (default: $BACKUP_DIR, else /var/backups/de-an-06)
  --keep-days N   delete backups made more than N days ago (default: $BACKUP_KEEP_DAYS, else 14);
                  old backups are deleted only after today's succeeded
  --no-media      do not copy MEDIA_ROOT (default: copied when MEDIA_ROOT is set and exists,
                  unless BACKUP_MEDIA=0)

Reads DATABASE_URL (postgres://user:password@host:5432/name) and MEDIA_ROOT from the environment.
USAGE
}

dir=${BACKUP_DIR:-/var/backups/de-an-06}
keep_days=${BACKUP_KEEP_DAYS:-14}
media=${BACKUP_MEDIA:-1}
while (($#)); do
  case $1 in
    --dir) dir=${2:?--dir needs a folder}; shift 2 ;;
    --keep-days) keep_days=${2:?--keep-days needs a number}; shift 2 ;;
    --no-media) media=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ $keep_days =~ ^[0-9]+$ ]] || die "--keep-days / BACKUP_KEEP_DAYS must be a whole number of days, not '$keep_days'"
[[ -n ${DATABASE_URL:-} ]] || die "DATABASE_URL is not set (it is in /etc/de-an-06/env on a server)"
for tool in pg_dump pg_restore psql sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install postgresql-client)"
done
pg_parse "$DATABASE_URL"

umask 077 # dumps hold password hashes and personal data
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
stamp=$(date +%Y%m%d-%H%M%S)
name="de-an-06-$stamp"
dump="$dir/$name.dump"
manifest="$dir/$name.manifest"
partial="$dir/.$name.partial"
ok_marker="$dir/.$name.ok"
media_partial="$dir/.media-$stamp.partial"
trap 'rm -rf "$partial" "$partial.manifest" "$ok_marker" "$media_partial"' EXIT
started=$EPOCHREALTIME

say "Backup of database $PG_DBNAME ($(redact "$DATABASE_URL")) into $dir"
# One psql session opens a read-only snapshot, has pg_dump save exactly that snapshot
# (--snapshot) and counts the key tables in it, so the counts describe the dump even while the
# application keeps writing. psql 15 cannot see a shell command's status: the marker file does.
export DE_AN_06_DUMP_URL=$PG_URL DE_AN_06_DUMP_FILE=$partial DE_AN_06_DUMP_OK=$ok_marker
counts=$(
  with_password "$PG_PASSWORD" psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 --dbname="$PG_URL" <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT pg_export_snapshot() AS snapshot \gset
\setenv DE_AN_06_SNAPSHOT :snapshot
\! pg_dump --format=custom --snapshot="\$DE_AN_06_SNAPSHOT" --file="\$DE_AN_06_DUMP_FILE" --dbname="\$DE_AN_06_DUMP_URL" && touch "\$DE_AN_06_DUMP_OK"
$(counts_sql)
COMMIT;
SQL
) || die "psql could not read database $PG_DBNAME (see the message above); no backup was made"
[[ -f $ok_marker ]] || die "pg_dump failed (see the message above); no backup was made"
pg_restore --list "$partial" >/dev/null || die "pg_restore cannot read the new dump; no backup was made"

{
  printf '# de-an-06 backup manifest: row counts taken in the snapshot the dump saved\n'
  printf 'dump %s\n' "$name.dump"
  printf 'sha256 %s\n' "$(sha256sum "$partial" | cut -d' ' -f1)"
  printf 'database %s\n' "$PG_DBNAME"
  printf 'made %s\n' "$(date --iso-8601=seconds)"
  printf 'count %s\n' "${counts//$'\n'/$'\ncount '}"
} >"$partial.manifest"
mv "$partial" "$dump"
mv "$partial.manifest" "$manifest"
say "  dump      $dump ($(du -h "$dump" | cut -f1))"
say "  manifest  $manifest"
while read -r table count; do
  printf '    %-34s %12s rows\n' "$table" "$count"
done <<<"$counts"

if [[ $media != 0 && -n ${MEDIA_ROOT:-} && -d $MEDIA_ROOT ]]; then
  command -v rsync >/dev/null || die "rsync is not installed (apt-get install rsync); the database dump is made, the files are not"
  previous=$(find "$dir" -maxdepth 1 -type d -name 'media-*' | sort | tail -n 1)
  rsync -a --delete ${previous:+--link-dest="$previous"} "$MEDIA_ROOT/" "$media_partial/"
  mv "$media_partial" "$dir/media-$stamp"
  say "  media     $dir/media-$stamp ($(find "$dir/media-$stamp" -type f | wc -l) files from $MEDIA_ROOT)"
elif [[ $media != 0 && -n ${MEDIA_ROOT:-} ]]; then
  say "  media     $MEDIA_ROOT does not exist yet: nothing to copy"
fi

# Retention by the time in the name (a copied folder keeps its source's modification time).
cutoff=$(date -d "-$keep_days days" +%Y%m%d-%H%M%S)
removed=0
while IFS= read -r old; do
  base=${old##*/}
  old_stamp=${base#de-an-06-}
  old_stamp=${old_stamp#media-}
  old_stamp=${old_stamp%.*}
  if [[ $old_stamp =~ ^[0-9]{8}-[0-9]{6}$ && $old_stamp < $cutoff ]]; then
    rm -rf -- "$old"
    removed=$((removed + 1))
  fi
done < <(find "$dir" -maxdepth 1 \( -name 'de-an-06-*.dump' -o -name 'de-an-06-*.manifest' -o -name 'media-*' \))
say "Backup done in $(elapsed "$started") s; $removed file(s) older than $keep_days days deleted."
