#!/usr/bin/env bash
# Local MariaDB 10.11 cluster for shardwire development, tests and benchmarks.
# No systemd, no docker: mariadbd is started directly, detached with setsid/nohup.
#
#   scripts/cluster.sh up             start what is not running, wait until ready,
#                                     on first init: users, GTID replication, sbtest
#   scripts/cluster.sh down [--purge] stop all instances (SIGTERM, 30 s, SIGKILL);
#                                     --purge also deletes the instance directories
#   scripts/cluster.sh status         one line per instance; exit 0 if all up, 3 otherwise
#
# Topology (base port = $SW_CLUSTER_PORT, default 3307):
#   p0 = base     primary of shard 0        r0 = base+1  replica of p0 (read_only)
#   p1 = base+2   primary of shard 1        r1 = base+3  replica of p1 (read_only)
#
# Environment:
#   SW_CLUSTER_DIR   where instances live (default: <repo>/var/cluster)
#   SW_CLUSTER_PORT  base port (default: 3307)
#
# Users (on every instance, created with sql_log_bin=0 so GTID sets stay clean):
#   app/app          ALL PRIVILEGES minus READ_ONLY ADMIN (cannot write to replicas)
#   repl/repl        REPLICATION SLAVE
#   monitor/monitor  REPLICATION CLIENT, SLAVE MONITOR, PROCESS
#   app_ed/app_ed    as app, authenticating with ed25519
#   app_tls/app_tls  as app, REQUIRE SSL (backend TLS tests)
#
# TLS: every instance serves the certificate in <dir>/tls (scripts/make-certs.sh: a local
# CA in <dir>/tls/ca.pem, subjectAltName localhost/127.0.0.1).
#   root             unix socket only: mariadb --no-defaults -uroot -S <dir>/<name>/mysqld.sock
set -uo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$SCRIPT_DIR")"
CLUSTER_DIR="${SW_CLUSTER_DIR:-$REPO_DIR/var/cluster}"
BASE_PORT="${SW_CLUSTER_PORT:-3307}"

INSTANCES=(p0 r0 p1 r1)
READY_TIMEOUT=60      # seconds for a mariadbd to answer SELECT 1
STOP_TIMEOUT=30       # seconds between SIGTERM and SIGKILL
REPL_TIMEOUT=30       # seconds for replicas to run and catch up

MARIADBD="$(command -v mariadbd || echo /usr/sbin/mariadbd)"

die() { echo "cluster.sh: $*" >&2; exit 1; }

case "$BASE_PORT" in
  ''|*[!0-9]*) die "SW_CLUSTER_PORT must be a number, got '$BASE_PORT'" ;;
esac
{ [ "$BASE_PORT" -ge 1 ] && [ "$BASE_PORT" -le 65532 ]; } || die "SW_CLUSTER_PORT out of range: $BASE_PORT"
case "$CLUSTER_DIR" in /*) ;; *) CLUSTER_DIR="$PWD/$CLUSTER_DIR" ;; esac

# --- per-instance facts -------------------------------------------------------
idx()        { case "$1" in p0) echo 0 ;; r0) echo 1 ;; p1) echo 2 ;; r1) echo 3 ;; esac; }
port_of()    { echo $((BASE_PORT + $(idx "$1"))); }
role_of()    { case "$1" in p*) echo primary ;; r*) echo replica ;; esac; }
primary_of() { echo "p${1#r}"; }
dir_of()     { echo "$CLUSTER_DIR/$1"; }
sock_of()    { echo "$CLUSTER_DIR/$1/mysqld.sock"; }
pidf_of()    { echo "$CLUSTER_DIR/$1/mysqld.pid"; }
log_of()     { echo "$CLUSTER_DIR/$1/error.log"; }
# server-id: unique inside a cluster (and across clusters with different base ports)
sid_of()     { port_of "$1"; }

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# root over the unix socket (auth via unix_socket, we run as root)
rootsql() {
  local name=$1; shift
  mariadb --no-defaults -uroot -S "$(sock_of "$name")" --connect-timeout=5 -N -B "$@"
}

log_tail() {
  local name=$1 f
  f="$(log_of "$name")"
  echo "---- last 25 lines of $f ----" >&2
  if [ -f "$f" ]; then tail -n 25 "$f" >&2; else echo "(no error log)" >&2; fi
  echo "----" >&2
}

# Prints the pid if the pid file points at a live mariadbd serving this instance's datadir.
running_pid() {
  local name=$1 pidf pid
  pidf="$(pidf_of "$name")"
  [ -s "$pidf" ] || return 1
  pid="$(tr -dc '0-9' < "$pidf")"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "mariadbd" ] || return 1
  tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "--datadir=$(dir_of "$name")/data" || return 1
  echo "$pid"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

server_args() {
  local name=$1 d
  d="$(dir_of "$name")"
  local args=(
    --no-defaults
    --user=root
    --datadir="$d/data"
    --tmpdir="$d/tmp"
    --socket="$d/mysqld.sock"
    --pid-file="$d/mysqld.pid"
    --log-error="$d/error.log"
    --bind-address=127.0.0.1
    --port="$(port_of "$name")"
    --server-id="$(sid_of "$name")"
    --log-bin=mysql-bin
    --relay-log=relay-bin
    --log-slave-updates=1
    --binlog-format=ROW
    --gtid-strict-mode=1
    --max-allowed-packet=256M
    --innodb-buffer-pool-size=64M
    --innodb-log-file-size=64M
    --innodb-flush-log-at-trx-commit=2
    --sync-binlog=0
    --skip-name-resolve
    --max-connections=2000
    --character-set-server=utf8mb4
    --collation-server=utf8mb4_general_ci
    --ssl-ca="$CLUSTER_DIR/tls/ca.pem"
    --ssl-cert="$CLUSTER_DIR/tls/server-cert.pem"
    --ssl-key="$CLUSTER_DIR/tls/server-key.pem"
    --plugin-load-add=auth_ed25519
  )
  [ "$(role_of "$name")" = replica ] && args+=(--read-only=1)
  printf '%s\n' "${args[@]}"
}

users_sql() {
  local h
  echo "SET SESSION sql_log_bin=0;"
  # no anonymous accounts; drop install-db's proxy grant for root@<hostname>, which only
  # produces "ignored in --skip-name-resolve mode" warnings
  echo "DELETE FROM mysql.global_priv WHERE User='';"
  echo "DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1', '::1', '%');"
  for h in '%' '127.0.0.1' 'localhost'; do
    cat <<SQL
CREATE USER IF NOT EXISTS 'app'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('app');
ALTER USER 'app'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('app');
GRANT ALL PRIVILEGES ON *.* TO 'app'@'$h';
REVOKE READ_ONLY ADMIN ON *.* FROM 'app'@'$h';
CREATE USER IF NOT EXISTS 'repl'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('repl');
ALTER USER 'repl'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('repl');
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'$h';
CREATE USER IF NOT EXISTS 'monitor'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('monitor');
ALTER USER 'monitor'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('monitor');
GRANT REPLICATION CLIENT, SLAVE MONITOR, PROCESS ON *.* TO 'monitor'@'$h';
CREATE USER IF NOT EXISTS 'app_ed'@'$h' IDENTIFIED VIA ed25519 USING PASSWORD('app_ed');
GRANT ALL PRIVILEGES ON *.* TO 'app_ed'@'$h';
REVOKE READ_ONLY ADMIN ON *.* FROM 'app_ed'@'$h';
CREATE USER IF NOT EXISTS 'app_tls'@'$h' IDENTIFIED VIA mysql_native_password USING PASSWORD('app_tls') REQUIRE SSL;
GRANT ALL PRIVILEGES ON *.* TO 'app_tls'@'$h' REQUIRE SSL;
REVOKE READ_ONLY ADMIN ON *.* FROM 'app_tls'@'$h';
SQL
  done
  echo "FLUSH PRIVILEGES;"
}

# wait_ready <name> <pid> <result file>: poll SELECT 1 over the socket for READY_TIMEOUT s
wait_ready() {
  local name=$1 pid=$2 out=$3 deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    if mariadb --no-defaults -uroot -S "$(sock_of "$name")" --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL mariadbd (pid $pid) exited during startup" > "$out"; log_tail "$name"; return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "FAIL not answering SELECT 1 after ${READY_TIMEOUT}s (pid $pid still running)" > "$out"; log_tail "$name"; return 1
    fi
    sleep 0.2
  done
}

# Runs in a background subshell per instance. Writes one status line to $2;
# on failure the line starts with FAIL and details go to stderr ($2.err).
start_instance() {
  local name=$1 out=$2 d port sock t0 pid note=""
  d="$(dir_of "$name")"; port="$(port_of "$name")"; sock="$(sock_of "$name")"
  t0="$(now)"

  if pid="$(running_pid "$name")"; then
    wait_ready "$name" "$pid" "$out" || return 1
    echo "already running (pid $pid)" > "$out"; return 0
  fi
  if [ "${#sock}" -gt 107 ]; then
    echo "FAIL socket path too long (${#sock} > 107 chars): $sock; use a shorter SW_CLUSTER_DIR" > "$out"; return 1
  fi
  if port_in_use "$port"; then
    echo "FAIL port $port is already in use by another process (another cluster? set SW_CLUSTER_PORT)" > "$out"; return 1
  fi

  mkdir -p "$d/tmp"
  if [ ! -f "$d/.initialized" ]; then
    rm -rf "$d/data"
    if ! mariadb-install-db --no-defaults --datadir="$d/data" --user=root \
         --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
         --tmpdir="$d/tmp" --innodb-buffer-pool-size=64M --innodb-log-file-size=64M \
         > "$d/install.log" 2>&1; then
      echo "FAIL mariadb-install-db failed, see $d/install.log" > "$out"
      tail -n 25 "$d/install.log" >&2
      return 1
    fi
    touch "$d/.initialized"
    note=" (new datadir)"
  fi

  rm -f "$(pidf_of "$name")"
  local args=()
  mapfile -t args < <(server_args "$name")
  # setsid: own session, survives this script and terminal hangups. Close every inherited
  # fd above 2 (fd 9 holds the cluster lock; callers' pipes must not be held open by a daemon).
  (
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    exec setsid nohup "$MARIADBD" "${args[@]}" < /dev/null >> "$(log_of "$name")" 2>&1
  ) &
  local child=$!

  wait_ready "$name" "$child" "$out" || return 1
  # mariadbd writes its pid file early, but make sure before anyone relies on it
  for _ in $(seq 50); do pid="$(running_pid "$name")" && break; sleep 0.1; done
  [ -n "$pid" ] || pid=$child

  local err
  if ! err="$(users_sql | rootsql "$name" 2>&1)"; then
    echo "FAIL creating users: $err" > "$out"; log_tail "$name"; return 1
  fi
  echo "started (pid $pid) in $(elapsed "$t0")$note" > "$out"
}

slave_status() {
  mariadb --no-defaults -uroot -S "$(sock_of "$1")" --connect-timeout=5 -e 'SHOW SLAVE STATUS\G'
}

slave_field() {  # slave_field <SHOW SLAVE STATUS\G output> <field>
  awk -v f="$2" -F': ' '{ k=$1; gsub(/^ +/, "", k) } k == f { sub(/^[^:]*: /, ""); print; exit }' <<<"$1"
}

cmd_up() {
  local t_all name run fails=0
  t_all="$(now)"
  mkdir -p "$CLUSTER_DIR" || die "cannot create $CLUSTER_DIR"
  exec 9>"$CLUSTER_DIR/.lock"
  flock -n 9 || { echo "cluster.sh: waiting for another cluster.sh on $CLUSTER_DIR" >&2; flock 9; }

  # refuse before starting anything if a port we need belongs to someone else
  for name in "${INSTANCES[@]}"; do
    if ! running_pid "$name" >/dev/null && port_in_use "$(port_of "$name")"; then
      die "port $(port_of "$name") for $name is already in use by another process" \
          "(another cluster? set SW_CLUSTER_PORT / SW_CLUSTER_DIR); nothing started"
    fi
  done

  bash "$SCRIPT_DIR/make-certs.sh" "$CLUSTER_DIR/tls" >/dev/null || die "cannot make certificates in $CLUSTER_DIR/tls"

  run="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$run'" EXIT
  for name in "${INSTANCES[@]}"; do
    start_instance "$name" "$run/$name" 2> "$run/$name.err" &
  done
  wait

  for name in "${INSTANCES[@]}"; do
    local line
    line="$(cat "$run/$name" 2>/dev/null || echo "FAIL (no result)")"
    printf '%-3s port=%-5s %-8s %s\n' "$name" "$(port_of "$name")" "$(role_of "$name")" "$line"
    if [[ "$line" == FAIL* ]]; then
      fails=1
      [ -s "$run/$name.err" ] && cat "$run/$name.err" >&2
    fi
  done
  [ "$fails" -eq 0 ] || die "up failed (instances that did start are left running; 'down' stops them)"

  # --- replication, first initialization only (marker per replica) -------------
  local r p err
  for r in r0 r1; do
    [ -f "$(dir_of "$r")/.replication_configured" ] && continue
    p="$(primary_of "$r")"
    if ! err="$(rootsql "$r" -e "
        CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$(port_of "$p"),
          MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos,
          MASTER_CONNECT_RETRY=1;
        START SLAVE;" 2>&1)"; then
      log_tail "$r"; die "configuring replication $p -> $r failed: $err"
    fi
    touch "$(dir_of "$r")/.replication_configured"
    echo "$r: replication from $p (port $(port_of "$p")) configured, MASTER_USE_GTID=slave_pos"
  done

  # --- sbtest on p0 (replicated to r0); only written when missing ---------------
  if [ -z "$(rootsql p0 -e "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='sbtest'" 2>/dev/null)" ]; then
    err="$(rootsql p0 -e "CREATE DATABASE IF NOT EXISTS sbtest" 2>&1)" || die "creating sbtest on p0 failed: $err"
  fi

  # --- replicas running and caught up with their primary -----------------------
  for r in r0 r1; do
    p="$(primary_of "$r")"
    local deadline=$((SECONDS + REPL_TIMEOUT)) st io sql
    while :; do
      st="$(slave_status "$r" 2>/dev/null)"
      io="$(slave_field "$st" Slave_IO_Running)"; sql="$(slave_field "$st" Slave_SQL_Running)"
      [ "$io" = Yes ] && [ "$sql" = Yes ] && break
      if [ "$SECONDS" -ge "$deadline" ] || { [ "$sql" = No ] && [ -n "$(slave_field "$st" Last_SQL_Error)" ]; }; then
        log_tail "$r"
        die "replication $p -> $r not running: Slave_IO_Running=$io Slave_SQL_Running=$sql" \
            "Last_IO_Error='$(slave_field "$st" Last_IO_Error)' Last_SQL_Error='$(slave_field "$st" Last_SQL_Error)'"
      fi
      sleep 0.2
    done
    local pos waited
    pos="$(rootsql "$p" -e 'SELECT @@gtid_binlog_pos')" || die "cannot read gtid_binlog_pos on $p"
    waited="$(rootsql "$r" -e "SELECT MASTER_GTID_WAIT('$pos', $REPL_TIMEOUT)")"
    [ "$waited" = 0 ] || die "$r did not catch up with $p (gtid $pos) within ${REPL_TIMEOUT}s"
  done

  echo "cluster up in $(elapsed "$t_all") — dir $CLUSTER_DIR"
  echo "  shard 0: primary p0 :$(port_of p0)  replica r0 :$(port_of r0)"
  echo "  shard 1: primary p1 :$(port_of p1)  replica r1 :$(port_of r1)"
  for name in "${INSTANCES[@]}"; do
    echo "  mariadb -h127.0.0.1 -P$(port_of "$name") -uapp -papp      # $name"
  done
}

stop_instance() {
  local name=$1 out=$2 pid t0 sig=TERM
  t0="$(now)"
  if ! pid="$(running_pid "$name")"; then
    rm -f "$(pidf_of "$name")"
    echo "not running" > "$out"; return 0
  fi
  kill -TERM "$pid" 2>/dev/null
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while [ -d "/proc/$pid" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if [ -d "/proc/$pid" ]; then
    sig=KILL
    kill -KILL "$pid" 2>/dev/null
    while [ -d "/proc/$pid" ]; do sleep 0.1; done
    rm -f "$(pidf_of "$name")" "$(sock_of "$name")"
  fi
  echo "stopped (pid $pid, SIG$sig) in $(elapsed "$t0")" > "$out"
}

cmd_down() {
  local purge=0 name run
  case "${1:-}" in
    '') ;;
    --purge) purge=1 ;;
    *) die "usage: $0 down [--purge]" ;;
  esac
  if [ ! -d "$CLUSTER_DIR" ]; then
    echo "cluster.sh: nothing at $CLUSTER_DIR"; return 0
  fi
  exec 9>"$CLUSTER_DIR/.lock"
  flock -n 9 || { echo "cluster.sh: waiting for another cluster.sh on $CLUSTER_DIR" >&2; flock 9; }

  run="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$run'" EXIT
  for name in "${INSTANCES[@]}"; do
    stop_instance "$name" "$run/$name" &
  done
  wait
  for name in "${INSTANCES[@]}"; do
    printf '%-3s port=%-5s %-8s %s\n' "$name" "$(port_of "$name")" "$(role_of "$name")" "$(cat "$run/$name")"
  done
  if [ "$purge" -eq 1 ]; then
    for name in "${INSTANCES[@]}"; do
      running_pid "$name" >/dev/null && die "$name still running, not purging"
    done
    for name in "${INSTANCES[@]}"; do rm -rf "$(dir_of "$name")"; done
    rm -f "$CLUSTER_DIR/.lock"
    rmdir "$CLUSTER_DIR" 2>/dev/null || echo "cluster.sh: $CLUSTER_DIR not empty (foreign files?), left in place"
    echo "purged $CLUSTER_DIR"
  fi
}

cmd_status() {
  local name all_up=1 pid line st
  for name in "${INSTANCES[@]}"; do
    line="$(printf '%-3s port=%-5s' "$name" "$(port_of "$name")")"
    if pid="$(running_pid "$name")" && rootsql "$name" -e 'SELECT 1' >/dev/null 2>&1; then
      line+=" up   $(printf '%-8s' "$(role_of "$name")") pid=$pid"
      if [ "$(role_of "$name")" = replica ]; then
        st="$(slave_status "$name" 2>/dev/null)"
        if [ -z "$st" ]; then
          line+=" replication=not-configured"
        else
          line+=" of=$(primary_of "$name")"
          line+=" Slave_IO_Running=$(slave_field "$st" Slave_IO_Running)"
          line+=" Slave_SQL_Running=$(slave_field "$st" Slave_SQL_Running)"
          line+=" Seconds_Behind_Master=$(slave_field "$st" Seconds_Behind_Master)"
          local e
          e="$(slave_field "$st" Last_IO_Error)"; [ -n "$e" ] && line+=" Last_IO_Error='$e'"
          e="$(slave_field "$st" Last_SQL_Error)"; [ -n "$e" ] && line+=" Last_SQL_Error='$e'"
        fi
      fi
    elif [ -n "${pid:-}" ]; then
      line+=" down $(printf '%-8s' "$(role_of "$name")") pid=$pid (process alive but not answering)"
      all_up=0
    else
      line+=" down $(role_of "$name")"
      all_up=0
    fi
    echo "$line"
  done
  [ "$all_up" -eq 1 ] || exit 3
}

usage() {
  sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
  up)     shift; [ $# -eq 0 ] || die "usage: $0 up"; cmd_up ;;
  down)   shift; cmd_down "$@" ;;
  status) shift; cmd_status ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
