#!/usr/bin/perl
# Perl DBI + DBD::MariaDB through the proxy on the sharded demo layout: the client scenario
# of clientlib.py. Argument "server_prepare" connects with mariadb_server_prepare=1
# (every statement a server-side prepared statement: COM_STMT_PREPARE/EXECUTE, binary
# rows); without it placeholders are interpolated by the driver (COM_QUERY).
# Run by run_client.py (SW_PROXY_HOST/PORT, SW_DB, SW_USER_BASE).
use strict;
use warnings;
use DBI;
use DBD::MariaDB ();

my $server_prepare = (@ARGV && $ARGV[0] eq 'server_prepare') ? 1 : 0;
my ($host, $port, $db, $U) = @ENV{qw(SW_PROXY_HOST SW_PROXY_PORT SW_DB SW_USER_BASE)};
die "SW_PROXY_PORT, SW_DB, SW_USER_BASE not set: run through clients/run_client.py\n" unless $port && $db && $U;
my $CREATED_AT = '2026-01-02 03:04:05';
my $COLS = 'order_id, user_id, merchant_id, status, amount, region_id, created_at';

sub oid { my ($s, $k) = @_; return 64 * (100000 + 10 * $s + $k) + $s }

sub connect_db {
  return DBI->connect("DBI:MariaDB:database=$db;host=$host;port=$port;mariadb_server_prepare=$server_prepare"
                      . ";mariadb_connect_timeout=10", 'app', 'app',
                      { RaiseError => 1, PrintError => 0, AutoCommit => 1 });
}

sub fmt { return join(';', map { join('|', map { defined $_ ? $_ : 'NULL' } @$_) } @{ $_[0] }) }
sub is_eq {
  my ($got, $want, $what) = @_;
  die "$what:\n    expected: $want\n    got:      $got\n" unless $got eq $want;
}
sub rows { my ($dbh, $sql, @bind) = @_; return fmt($dbh->selectall_arrayref($sql, undef, @bind)) }
sub users {
  my ($dbh, @slots) = @_;
  return rows($dbh, 'SELECT user_id - ?, status, amount FROM order_info WHERE user_id IN ('
              . join(', ', map { '?' } @slots) . ') ORDER BY user_id, status, amount', $U, map { $U + $_ } @slots);
}

my $dbh;
my ($passed, $failed) = (0, 0);
sub step {
  my ($name, $code) = @_;
  my $ok = eval { $dbh ||= connect_db(); $code->(); 1 };
  if ($ok) { $passed++; print "PASS $name\n" }
  else {
    $failed++;
    my $err = $@;
    print "FAIL $name\n";
    print STDERR map { "  $_\n" } split /\n/, $err;
    eval { $dbh->rollback unless $dbh->{AutoCommit} };
  }
  STDOUT->flush; STDERR->flush;
}

printf "DBD::MariaDB %s, mariadb_server_prepare=%d, logical database %s\n", $DBD::MariaDB::VERSION, $server_prepare, $db;

step 'seed (one statement handle re-executed on 4 shards, NULL param)', sub {
  my $sth = $dbh->prepare("INSERT INTO order_info ($COLS) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for my $s (1, 17, 40, 63) {
    for my $k (1, 2) {
      my $n = $sth->execute(oid($s, $k), $U + $s, 1, 'new', "$s.${k}0", $k == 1 ? 1 : undef, $CREATED_AT);
      is_eq($n, 1, "rows inserted for U+$s");
    }
  }
};

step 'reuse_select_across_shards', sub {
  my $sth = $dbh->prepare('SELECT user_id, status, amount, region_id FROM order_info WHERE order_id = ?');
  for my $key ([1, 1], [40, 2], [17, 2], [63, 1]) {
    my ($s, $k) = @$key;
    $sth->execute(oid($s, $k));
    is_eq(fmt($sth->fetchall_arrayref), join('|', $U + $s, 'new', "$s.${k}0", $k == 1 ? 1 : 'NULL'), "oid($s, $k)");
  }
};

step 'multi_shard_read', sub {
  is_eq(rows($dbh, 'SELECT order_id, user_id, amount FROM order_info ORDER BY amount DESC, order_id LIMIT 3'),
        join(';', oid(63, 2) . '|' . ($U + 63) . '|63.20', oid(63, 1) . '|' . ($U + 63) . '|63.10',
             oid(40, 2) . '|' . ($U + 40) . '|40.20'), 'ORDER BY amount DESC LIMIT 3 over all shards');
  is_eq(rows($dbh, 'SELECT COUNT(*), SUM(amount) FROM order_info'), '8|243.20', 'COUNT(*), SUM(amount)');
  is_eq(rows($dbh, 'SELECT DISTINCT user_id FROM order_info WHERE user_id BETWEEN ? AND ? ORDER BY user_id DESC',
             $U, $U + 63), join(';', map { $U + $_ } 63, 40, 17, 1), 'DISTINCT user_id BETWEEN ? AND ?');
};

step 'read_by_user', sub {
  is_eq(rows($dbh, "SELECT $COLS FROM order_info WHERE user_id = ? ORDER BY order_id", $U + 40),
        join(';', join('|', oid(40, 1), $U + 40, 1, 'new', '40.10', 1, $CREATED_AT),
             join('|', oid(40, 2), $U + 40, 1, 'new', '40.20', 'NULL', $CREATED_AT)), "user U+40's orders");
};

step 'read_by_order', sub {
  is_eq(rows($dbh, 'SELECT user_id, status, amount FROM order_info WHERE order_id = ?', oid(17, 1)),
        ($U + 17) . '|new|17.10', 'order oid(17, 1)');
};

step 'generated_key (last_insert_id / mariadb_insertid)', sub {
  my $sth = $dbh->prepare('INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) VALUES (?, ?, ?, ?, ?)');
  $sth->execute($U + 5, 1, 'gen', '5.00', $CREATED_AT);
  my $key = $dbh->last_insert_id(undef, undef, 'order_info', 'order_id');
  is_eq($sth->{mariadb_insertid} // 'undef', $key // 'undef', '$sth->{mariadb_insertid} = $dbh->last_insert_id');
  die "generated key '" . ($key // 'undef') . "' is not a positive integer with user U+5's gene\n"
    unless defined $key && $key =~ /^\d+$/ && $key > 0 && $key % 64 == 5;
  is_eq(rows($dbh, 'SELECT user_id, status FROM order_info WHERE order_id = ?', $key), ($U + 5) . '|gen', 'by its key');
};

step 'update', sub {
  is_eq($dbh->do('UPDATE order_info SET status = ?, amount = amount + ? WHERE order_id = ?', undef, 'paid', 100,
                 oid(1, 1)), 1, 'rows updated by order_id');
  is_eq($dbh->do('UPDATE order_info SET status = ? WHERE user_id = ?', undef, 'shipped', $U + 17), 2,
        'rows updated by user_id');
  is_eq(users($dbh, 1, 17), '1|new|1.20;1|paid|101.10;17|shipped|17.10;17|shipped|17.20', 'after the UPDATEs');
};

step 'delete', sub {
  is_eq($dbh->do('DELETE FROM order_info WHERE order_id = ?', undef, oid(63, 2)), 1, 'rows deleted');
  is_eq(users($dbh, 63), '63|new|63.10', 'user U+63 after the DELETE');
};

sub tx {
  my ($commit, @slots) = @_;
  $dbh->begin_work;
  my $ins = $dbh->prepare("INSERT INTO order_info ($COLS) VALUES (?, ?, 1, 'txi', ?, NULL, ?)");
  $ins->execute(oid($_, 1), $U + $_, "$_.00", $CREATED_AT) for @slots;
  is_eq(users($dbh, @slots), join(';', map { "$_|txi|$_.00" } @slots), 'own rows inside the transaction');
  is_eq($dbh->do('UPDATE order_info SET status = ? WHERE user_id IN (' . join(', ', map { '?' } @slots) . ')', undef,
                 'tx', map { $U + $_ } @slots), scalar @slots, 'UPDATE in the transaction');
  $commit ? $dbh->commit : $dbh->rollback;
  my $want = $commit ? join(';', map { "$_|tx|$_.00" } @slots) : '';
  is_eq(users($dbh, @slots), $want, $commit ? 'after COMMIT' : 'after ROLLBACK');
  my $other = connect_db();
  is_eq(users($other, @slots), $want, 'seen from another session');
  $other->disconnect;
}
step 'tx_commit', sub { tx(1, 9) };
step 'tx_rollback', sub { tx(0, 10) };
step 'tx_commit_cross', sub { tx(1, 11, 52) };
step 'tx_rollback_cross', sub { tx(0, 12, 53) };

$dbh->disconnect if $dbh;
print "$passed passed, $failed failed\n";
exit($failed ? 1 : 0);
