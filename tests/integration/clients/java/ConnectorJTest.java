// MariaDB Connector/J (JDBC) through the proxy on the sharded demo layout: the client
// scenario of clientlib.py with PreparedStatement, addBatch/executeBatch,
// RETURN_GENERATED_KEYS and setAutoCommit(false)/commit/rollback.
// Argument "serverPrep": useServerPrepStmts=true (COM_STMT_PREPARE/EXECUTE, binary rows);
// otherwise the driver interpolates parameters (COM_QUERY).
// Run by run_client.py as `java -cp mariadb-java-client.jar ConnectorJTest.java [serverPrep]`
// (SW_PROXY_HOST/PORT, SW_DB, SW_USER_BASE).
import java.math.BigDecimal;
import java.sql.*;
import java.util.*;

public class ConnectorJTest {
  interface Step { void run() throws Exception; }

  static String url;
  static long U;
  static final String CREATED_AT = "2026-01-02 03:04:05";
  static final String COLS = "order_id, user_id, merchant_id, status, amount, region_id, created_at";
  static int passed = 0, failed = 0;
  static Connection conn;

  static long oid(int s, int k) { return 64L * (100000 + 10 * s + k) + s; }

  static Connection connect() throws SQLException { return DriverManager.getConnection(url); }

  static void eq(Object got, Object want, String what) {
    if (!Objects.equals(got, want))
      throw new AssertionError(what + ":\n    expected: " + want + "\n    got:      " + got);
  }

  static boolean serverPrep;

  /** Connector/J silently falls back to a client-side statement when the server refuses
   *  COM_STMT_PREPARE; with useServerPrepStmts=true that fallback is a failure here. */
  static PreparedStatement prep(Connection c, String sql, int... keys) throws SQLException {
    PreparedStatement st = keys.length > 0 ? c.prepareStatement(sql, keys[0]) : c.prepareStatement(sql);
    String kind = st.getClass().getSimpleName();
    if (serverPrep && !kind.equals("ServerSidePreparedStatement")) {
      st.close();
      throw new AssertionError("useServerPrepStmts=true, but the driver fell back to a " + kind
          + " (the server/proxy refused COM_STMT_PREPARE) for: " + sql);
    }
    return st;
  }

  static PreparedStatement ps(Connection c, String sql, Object... args) throws SQLException {
    PreparedStatement st = prep(c, sql);
    for (int i = 0; i < args.length; i++) st.setObject(i + 1, args[i]);
    return st;
  }

  /** rows as "a|b|c" joined by ";" (getString; NULL as "NULL") */
  static String rows(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement st = ps(c, sql, args); ResultSet rs = st.executeQuery()) {
      StringBuilder sb = new StringBuilder();
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        if (sb.length() > 0) sb.append(';');
        for (int i = 1; i <= n; i++) {
          String v = rs.getString(i);
          sb.append(i > 1 ? "|" : "").append(v == null ? "NULL" : v);
        }
      }
      return sb.toString();
    }
  }

  static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement st = ps(c, sql, args)) { return st.executeUpdate(); }
  }

  static String users(Connection c, int... slots) throws SQLException {
    StringBuilder in = new StringBuilder();
    Object[] args = new Object[slots.length + 1];
    args[0] = U;
    for (int i = 0; i < slots.length; i++) {
      in.append(i > 0 ? ", ?" : "?");
      args[i + 1] = U + slots[i];
    }
    return rows(c, "SELECT user_id - ?, status, amount FROM order_info WHERE user_id IN (" + in
        + ") ORDER BY user_id, status, amount", args);
  }

  static void step(String name, Step s) {
    try {
      if (conn == null || conn.isClosed()) conn = connect();
      s.run();
      passed++;
      System.out.println("PASS " + name);
    } catch (Throwable e) {
      failed++;
      System.out.println("FAIL " + name);
      String msg = e instanceof SQLException
          ? "SQLException " + ((SQLException) e).getErrorCode() + " (" + ((SQLException) e).getSQLState() + "): " + e.getMessage()
          : e.toString();
      for (String line : msg.split("\n")) System.err.println("  " + line);
      for (StackTraceElement el : e.getStackTrace())
        if (el.getClassName().equals("ConnectorJTest")) { System.err.println("    at line " + el.getLineNumber()); break; }
      try { if (!conn.getAutoCommit()) { conn.rollback(); conn.setAutoCommit(true); } } catch (Throwable ignored) { }
    }
    System.out.flush();
    System.err.flush();
  }

  static void tx(boolean commit, int... slots) throws Exception {
    conn.setAutoCommit(false);
    try (PreparedStatement ins = prep(conn,
        "INSERT INTO order_info (" + COLS + ") VALUES (?, ?, 1, 'txi', ?, NULL, ?)")) {
      for (int s : slots) {
        ins.setLong(1, oid(s, 1));
        ins.setLong(2, U + s);
        ins.setBigDecimal(3, new BigDecimal(s + ".00"));
        ins.setString(4, CREATED_AT);
        eq(ins.executeUpdate(), 1, "INSERT for U+" + s + " in the transaction");
      }
    }
    StringBuilder own = new StringBuilder(), want = new StringBuilder();
    Object[] args = new Object[slots.length];
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < slots.length; i++) {
      own.append(i > 0 ? ";" : "").append(slots[i]).append("|txi|").append(slots[i]).append(".00");
      want.append(i > 0 ? ";" : "").append(slots[i]).append("|tx|").append(slots[i]).append(".00");
      args[i] = U + slots[i];
      in.append(i > 0 ? ", ?" : "?");
    }
    eq(users(conn, slots), own.toString(), "own rows inside the transaction");
    eq(update(conn, "UPDATE order_info SET status = 'tx' WHERE user_id IN (" + in + ")", args), slots.length,
       "UPDATE in the transaction");
    if (commit) conn.commit(); else conn.rollback();
    conn.setAutoCommit(true);
    String expected = commit ? want.toString() : "";
    eq(users(conn, slots), expected, commit ? "after commit()" : "after rollback()");
    try (Connection other = connect()) { eq(users(other, slots), expected, "seen from another session"); }
  }

  public static void main(String[] argv) throws Exception {
    serverPrep = argv.length > 0 && argv[0].equals("serverPrep");
    String host = System.getenv().getOrDefault("SW_PROXY_HOST", "127.0.0.1"), port = System.getenv("SW_PROXY_PORT"),
           db = System.getenv("SW_DB"), base = System.getenv("SW_USER_BASE");
    if (port == null || db == null || base == null) {
      System.err.println("SW_PROXY_PORT, SW_DB, SW_USER_BASE not set: run through clients/run_client.py");
      System.exit(2);
    }
    U = Long.parseLong(base);
    url = "jdbc:mariadb://" + host + ":" + port + "/" + db + "?user=app&password=app&connectTimeout=10000"
        + "&useServerPrepStmts=" + serverPrep;
    Driver d = DriverManager.getDriver(url);
    System.out.println("MariaDB Connector/J " + d.getMajorVersion() + "." + d.getMinorVersion()
        + ", useServerPrepStmts=" + serverPrep + ", logical database " + db);

    step("seed (addBatch/executeBatch over 4 shards, setNull)", () -> {
      try (PreparedStatement st = prep(conn,
          "INSERT INTO order_info (" + COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        for (int s : new int[] {1, 17, 40, 63}) {
          for (int k = 1; k <= 2; k++) {
            st.setLong(1, oid(s, k));
            st.setLong(2, U + s);
            st.setInt(3, 1);
            st.setString(4, "new");
            st.setBigDecimal(5, new BigDecimal(s + "." + k + "0"));
            if (k == 1) st.setInt(6, 1); else st.setNull(6, Types.INTEGER);
            st.setTimestamp(7, Timestamp.valueOf(CREATED_AT));
            st.addBatch();
          }
        }
        int[] counts = st.executeBatch();
        eq(counts.length, 8, "executeBatch() results");
        for (int c : counts) if (c != 1 && c != Statement.SUCCESS_NO_INFO) throw new AssertionError("batch counts " + Arrays.toString(counts));
      }
    });

    step("reuse_select_across_shards", () -> {
      try (PreparedStatement st = prep(conn,
          "SELECT user_id, status, amount, region_id FROM order_info WHERE order_id = ?")) {
        for (int[] key : new int[][] {{1, 1}, {40, 2}, {17, 2}, {63, 1}}) {
          st.setLong(1, oid(key[0], key[1]));
          try (ResultSet rs = st.executeQuery()) {
            eq(rs.next(), true, "a row for oid(" + key[0] + ", " + key[1] + ")");
            eq(rs.getLong(1), U + key[0], "user_id");
            eq(rs.getBigDecimal(3), new BigDecimal(key[0] + "." + key[1] + "0"), "amount");
            rs.getInt(4);
            eq(rs.wasNull(), key[1] == 2, "region_id NULL");
            eq(rs.next(), false, "one row");
          }
        }
      }
    });

    step("multi_shard_read", () -> {
      eq(rows(conn, "SELECT order_id, user_id, amount FROM order_info ORDER BY amount DESC, order_id LIMIT 3"),
         oid(63, 2) + "|" + (U + 63) + "|63.20;" + oid(63, 1) + "|" + (U + 63) + "|63.10;" + oid(40, 2) + "|" + (U + 40)
             + "|40.20", "ORDER BY amount DESC LIMIT 3 over all shards");
      eq(rows(conn, "SELECT COUNT(*), SUM(amount) FROM order_info"), "8|243.20", "COUNT(*), SUM(amount)");
      eq(rows(conn, "SELECT DISTINCT user_id FROM order_info WHERE user_id BETWEEN ? AND ? ORDER BY user_id DESC", U,
              U + 63), (U + 63) + ";" + (U + 40) + ";" + (U + 17) + ";" + (U + 1), "DISTINCT user_id BETWEEN ? AND ?");
    });

    step("limit_param (LIMIT ?, ? over all shards)", () -> {
      eq(rows(conn, "SELECT order_id FROM order_info ORDER BY amount DESC, order_id LIMIT ?, ?", 1, 2),
         oid(63, 1) + ";" + oid(40, 2), "LIMIT ?, ? (1, 2)");
    });

    step("read_by_user (typed getters)", () -> {
      try (PreparedStatement st = ps(conn, "SELECT " + COLS + " FROM order_info WHERE user_id = ? ORDER BY order_id", U + 40);
           ResultSet rs = st.executeQuery()) {
        for (int k = 1; k <= 2; k++) {
          eq(rs.next(), true, "row " + k);
          eq(rs.getLong("order_id"), oid(40, k), "order_id");
          eq(rs.getLong("user_id"), U + 40, "user_id");
          eq(rs.getString("status"), "new", "status");
          eq(rs.getBigDecimal("amount"), new BigDecimal("40." + k + "0"), "amount");
          eq(rs.getObject("region_id") == null ? null : rs.getInt("region_id"), k == 1 ? 1 : null, "region_id");
          eq(rs.getTimestamp("created_at"), Timestamp.valueOf(CREATED_AT), "created_at");
        }
        eq(rs.next(), false, "two rows");
      }
    });

    step("read_by_order", () -> {
      eq(rows(conn, "SELECT user_id, status, amount FROM order_info WHERE order_id = ?", oid(17, 1)),
         (U + 17) + "|new|17.10", "order oid(17, 1)");
    });

    step("generated_key (getGeneratedKeys)", () -> {
      long key;
      try (PreparedStatement st = prep(conn,
          "INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) VALUES (?, ?, ?, ?, ?)",
          Statement.RETURN_GENERATED_KEYS)) {
        st.setLong(1, U + 5);
        st.setInt(2, 1);
        st.setString(3, "gen");
        st.setBigDecimal(4, new BigDecimal("5.00"));
        st.setString(5, CREATED_AT);
        eq(st.executeUpdate(), 1, "rows inserted");
        try (ResultSet keys = st.getGeneratedKeys()) {
          eq(keys.next(), true, "a generated key");
          key = keys.getLong(1);
        }
      }
      if (key <= 0 || key % 64 != 5) throw new AssertionError("generated key " + key + " without user U+5's gene");
      eq(rows(conn, "SELECT user_id, status FROM order_info WHERE order_id = ?", key), (U + 5) + "|gen", "by its key");
    });

    step("batch_generated_keys (executeBatch + getGeneratedKeys, 2 data sources)", () -> {
      int[] slots = {6, 38, 6};
      List<Long> keys = new ArrayList<>();
      try (PreparedStatement st = prep(conn,
          "INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) VALUES (?, 1, 'batch', 1.00, ?)",
          Statement.RETURN_GENERATED_KEYS)) {
        for (int s : slots) {
          st.setLong(1, U + s);
          st.setString(2, CREATED_AT);
          st.addBatch();
        }
        st.executeBatch();
        try (ResultSet rs = st.getGeneratedKeys()) { while (rs.next()) keys.add(rs.getLong(1)); }
      }
      try {
        eq(keys.size(), 3, "generated keys of the batch " + keys);
        for (int i = 0; i < 3; i++) {
          if (System.getenv("SW_DIRECT") == null)  // AUTO_INCREMENT of the unsharded reference has no genes
            eq(keys.get(i) % 64, (long) slots[i], "gene of key " + keys.get(i));
          eq(rows(conn, "SELECT user_id FROM order_info WHERE order_id = ?", keys.get(i)), String.valueOf(U + slots[i]),
             "row of key " + keys.get(i));
        }
      } finally {
        eq(update(conn, "DELETE FROM order_info WHERE status = 'batch'"), 3, "batch rows deleted again");
      }
    });

    step("update", () -> {
      eq(update(conn, "UPDATE order_info SET status = ?, amount = amount + ? WHERE order_id = ?", "paid", 100, oid(1, 1)),
         1, "rows updated by order_id");
      eq(update(conn, "UPDATE order_info SET status = ? WHERE user_id = ?", "shipped", U + 17), 2, "rows updated by user_id");
      eq(users(conn, 1, 17), "1|new|1.20;1|paid|101.10;17|shipped|17.10;17|shipped|17.20", "after the UPDATEs");
    });

    step("delete", () -> {
      eq(update(conn, "DELETE FROM order_info WHERE order_id = ?", oid(63, 2)), 1, "rows deleted");
      eq(users(conn, 63), "63|new|63.10", "user U+63 after the DELETE");
    });

    step("tx_commit", () -> tx(true, 9));
    step("tx_rollback", () -> tx(false, 10));
    step("tx_commit_cross", () -> tx(true, 11, 52));
    step("tx_rollback_cross", () -> tx(false, 12, 53));
    // Connector/J answers getCatalog() from the server's session state report (CLIENT_SESSION_TRACK)
    // instead of asking: the report must follow a USE sent as a plain statement.
    step("session_track (USE as a statement, then getCatalog)", () -> {
      try (Statement st = conn.createStatement()) {
        st.execute("USE mysql");
        eq(conn.getCatalog(), "mysql", "getCatalog() after USE mysql");
        st.execute("USE " + db);
        eq(conn.getCatalog(), db, "getCatalog() after USE " + db);
      }
    });

    if (conn != null) conn.close();
    System.out.println(passed + " passed, " + failed + " failed");
    System.exit(failed == 0 ? 0 : 1);
  }
}
