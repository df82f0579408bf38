// MariaDB Connector/J over TLS (sslMode), run by tests/integration/tls_test.py
// (SW_PROXY_PORT; SW_CA: the CA file the proxy's certificate chains to) as
// `java -cp mariadb-java-client.jar TlsTest.java`.
import java.sql.*;

public class TlsTest {
  static int failed = 0;

  interface Step { void run() throws Exception; }

  static void step(String name, Step s) {
    try {
      s.run();
      System.out.println("PASS " + name);
    } catch (Throwable e) {
      failed++;
      System.out.println("FAIL " + name + ": " + e);
    }
  }

  static String url(String user, String password, String tls) {
    return "jdbc:mariadb://127.0.0.1:" + System.getenv("SW_PROXY_PORT") + "/?user=" + user + "&password=" + password
        + "&connectTimeout=10000" + tls;
  }

  static String cipher(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT 'jdbc' AS v")) {
      rs.next();
      if (!rs.getString(1).equals("jdbc")) throw new AssertionError("wrong value " + rs.getString(1));
      return "ok";
    }
  }

  public static void main(String[] args) throws Exception {
    String ca = System.getenv("SW_CA");
    // Connector/J 2.x spells it useSsl + serverSslCert (the CA) + disableSslHostnameVerification;
    // 3.x: sslMode=verify-full / verify-ca / trust. Both name the same modes.
    step("sslMode verify-full (CA and host name checked)", () ->
        cipher(url("app", "app", "&useSsl=true&serverSslCert=" + ca + "&sslMode=verify-full")));
    step("sslMode verify-ca", () ->
        cipher(url("app", "app", "&useSsl=true&serverSslCert=" + ca + "&disableSslHostnameVerification=true&sslMode=verify-ca")));
    step("sslMode trust", () -> cipher(url("app", "app", "&useSsl=true&trustServerCertificate=true&sslMode=trust")));
    step("require_secure_transport user: refused in plain, accepted over TLS", () -> {
      try {
        cipher(url("tlsonly", "tlsonly", ""));
        throw new AssertionError("plain login of a TLS-only user succeeded");
      } catch (SQLException e) {
        if (e.getErrorCode() != 1045) throw new AssertionError("expected 1045, got " + e.getErrorCode() + ": " + e);
      }
      cipher(url("tlsonly", "tlsonly", "&useSsl=true&serverSslCert=" + ca + "&sslMode=verify-full"));
    });
    step("a CA that did not sign the certificate is refused", () -> {
      try {
        cipher(url("app", "app", "&useSsl=true&sslMode=verify-full&serverSslCert=" + ca.replace("ca.pem", "server-key.pem")));
      } catch (SQLException e) {
        return;
      }
      throw new AssertionError("connected while verifying against a key file");
    });
    System.out.println(failed == 0 ? "all passed" : failed + " FAILED");
    System.exit(failed == 0 ? 0 : 1);
  }
}
