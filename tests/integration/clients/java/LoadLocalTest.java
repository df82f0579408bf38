// MariaDB Connector/J: LOAD DATA LOCAL INFILE through the proxy (allowLocalInfile, the
// driver's name for it), run by tests/integration/load_local_test.py as
// `java -cp mariadb-java-client.jar LoadLocalTest.java` (SW_PROXY_PORT, SW_DB, SW_FILE).
import java.sql.*;

public class LoadLocalTest {
  public static void main(String[] args) throws Exception {
    String url = "jdbc:mariadb://127.0.0.1:" + System.getenv("SW_PROXY_PORT") + "/" + System.getenv("SW_DB")
        + "?user=loader&password=loader&allowLocalInfile=true";
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      int n = st.executeUpdate("LOAD DATA LOCAL INFILE '" + System.getenv("SW_FILE")
          + "' INTO TABLE t FIELDS TERMINATED BY ','");
      try (ResultSet rs = st.executeQuery("SELECT COUNT(*), SUM(n) FROM t")) {
        rs.next();
        System.out.println("loaded " + n + " rows; table has " + rs.getLong(1) + " rows, sum " + rs.getLong(2));
        if (n != 100 || rs.getLong(1) != 100 || rs.getLong(2) != 5050) {
          System.out.println("FAIL");
          System.exit(1);
        }
      }
    }
    System.out.println("PASS");
  }
}
