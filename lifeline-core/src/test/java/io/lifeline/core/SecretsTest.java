package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SecretsTest {

  @Test
  void maskIsFourStars() {
    assertThat(Secrets.MASK).isEqualTo("****");
  }

  // ---------------------------------------------------------------------------------------------
  // isSecretKey

  @ParameterizedTest
  @ValueSource(
      strings = {
        "password", "PASSWORD", "Password", "passwd", "pwd", "PWD", "pass", "pw", "passphrase",
        "token", "TOKEN", "access_token", "accessToken", "refresh_token", "id_token", "oauth2Token",
        "secret", "client_secret", "clientSecret", "AWS_SECRET_ACCESS_KEY",
        "api_key", "apikey", "api-key", "apiKey", "APIKey", "X-Api-Key", "x-api-key",
        "credentials", "credential", "private_key", "privateKey", "auth", "AUTH", "REDIS_AUTH",
        "Authorization", "Proxy-Authorization", "Cookie",
        "NEO4J_PASSWORD", "DATABASE_PASSWORD", "GRAPHITI_API_KEY", "REDIS_PASSWORD",
        "spring.datasource.password", "sslpassword", "trustStorePassword", "PGPASSWORD",
        "sig", "signature", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential",
        "AccountKey", "SharedAccessKey", "jsessionid", "session_id", "jwt", "client_assertion",
        "key", "KEY", "aws_access_key_id", "private_key_file_pwd", "--password", "-Dapp.token"
      })
  void secretKeys(String key) {
    assertThat(Secrets.isSecretKey(key)).as(key).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "maxRetries", "REDIS_URL", "NEO4J_URI", "keepalive", "key_prefix", "keyPrefix", "cache_key",
        "keyspace", "max_tokens", "tokens", "user", "username", "USER", "host", "port", "timeout",
        "ssl", "sslmode", "sslcert", "database", "password_file", "PASSWORD_FILE", "token_url",
        "tokenUrl", "token_type", "auth_enabled", "authSource", "authMechanism", "secret_name",
        "SharedAccessKeyName", "private_key_file", "passthrough", "bypass", "compass", "sid",
        "author", "application_name", "retryWrites", "", " ", "_", "..."
      })
  void nonSecretKeys(String key) {
    assertThat(Secrets.isSecretKey(key)).as(key).isFalse();
  }

  @Test
  void nullIsNotASecretKey() {
    assertThat(Secrets.isSecretKey(null)).isFalse();
  }

  // ---------------------------------------------------------------------------------------------
  // redact

  private static Arguments c(String input, String expected, String... secrets) {
    return Arguments.of(input, expected, List.of(secrets));
  }

  static Stream<Arguments> texts() {
    return Stream.of(
        c("Authorization: Bearer abc.def", "Authorization: Bearer ****", "abc.def"),
        c(
            "request failed, headers={Authorization=Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig}",
            "request failed, headers={Authorization=Bearer ****}",
            "eyJhbGciOiJIUzI1NiJ9"),
        c("401 for Bearer Tk-998877 at /api", "401 for Bearer **** at /api", "Tk-998877"),
        c(
            "Authorization: Basic dXNlcjpodW50ZXIy",
            "Authorization: Basic ****",
            "dXNlcjpodW50ZXIy"),
        c("sent Basic dXNlcjpodW50ZXIy upstream", "sent Basic **** upstream", "dXNlcjpodW50ZXIy"),
        c("Authorization: Hunter2Raw", "Authorization: ****", "Hunter2Raw"),
        c("X-Api-Key: ApiK3yHdr", "X-Api-Key: ****", "ApiK3yHdr"),
        c("password=hunter2", "password=****", "hunter2"),
        c("bad config: password=hunter2; retry", "bad config: password=****; retry", "hunter2"),
        c("PASSWORD = \"hunter 2\"", "PASSWORD = \"****\"", "hunter 2", "hunter"),
        c("{\"password\":\"x9Y\",\"user\":\"u\"}", "{\"password\":\"****\",\"user\":\"u\"}", "x9Y"),
        c(
            "{ \"api_key\" : \"Jk3y\", \"retries\": 3, \"pin\": \"1\" }",
            "{ \"api_key\" : \"****\", \"retries\": 3, \"pin\": \"1\" }",
            "Jk3y"),
        c("{\"token\": 123456789}", "{\"token\": ****}", "123456789"),
        c("{'secret': 'PySecr3t'}", "{'secret': '****'}", "PySecr3t"),
        c(
            "body={\\\"client_secret\\\":\\\"EscS3c\\\"}",
            "body={\\\"client_secret\\\":\\\"****\\\"}",
            "EscS3c"),
        c("token: abc", "token: ****", "abc"),
        c("auth:Ya1Mh", "auth:****", "Ya1Mh"),
        c("  token: 'yamlTok'\n  host: h", "  token: '****'\n  host: h", "yamlTok"),
        c("{user=u, password=M4pPw}", "{user=u, password=****}", "M4pPw"),
        c(
            "DbConfig[url=jdbc:postgresql://u:RecPw1@h/db, password=RecPw2]",
            "DbConfig[url=jdbc:postgresql://u:****@h/db, password=****]",
            "RecPw1",
            "RecPw2"),
        c(
            "<config><password>XmlPw</password><user>u</user></config>",
            "<config><password>****</password><user>u</user></config>",
            "XmlPw"),
        c(
            "Failed to connect to redis://:Rp4ss@h:6379 (password=Rp4ss, user=u)",
            "Failed to connect to redis://****@h:6379 (password=****, user=u)",
            "Rp4ss"),
        c(
            "java.sql.SQLException: Cannot create PoolableConnectionFactory (url 'jdbc:mysql://root:MyPw1@db:3306/x')",
            "java.sql.SQLException: Cannot create PoolableConnectionFactory (url 'jdbc:mysql://root:****@db:3306/x')",
            "MyPw1"),
        c(
            "Unable to connect to bolt://neo4j:N4jPw@localhost:7687, ensure the database is running",
            "Unable to connect to bolt://neo4j:****@localhost:7687, ensure the database is running",
            "N4jPw"),
        c(
            "GET https://api.example.com/v1/x?api_key=Gk1&q=a returned 500",
            "GET https://api.example.com/v1/x?api_key=****&q=a returned 500",
            "Gk1"),
        c(
            "ORA-01017 for jdbc:oracle:thin:scott/Tig3r@db:1521:ORCL",
            "ORA-01017 for jdbc:oracle:thin:scott/****@db:1521:ORCL",
            "Tig3r"),
        c(
            "-Dspring.datasource.password=JvmPw --token=CliTok",
            "-Dspring.datasource.password=**** --token=****",
            "JvmPw",
            "CliTok"),
        c("export PGPASSWORD='Sh3ll' && psql", "export PGPASSWORD='****' && psql", "Sh3ll"),
        c(
            "NEO4J_PASSWORD=EnvPw1\nGRAPHITI_API_KEY=EnvK2\nREDIS_URL=redis://h:6379",
            "NEO4J_PASSWORD=****\nGRAPHITI_API_KEY=****\nREDIS_URL=redis://h:6379",
            "EnvPw1",
            "EnvK2"),
        c(
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAEX/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=Aws5ig",
            "Authorization: AWS4-HMAC-SHA256 ****, SignedHeaders=host, Signature=****",
            "AKIAEX",
            "Aws5ig"),
        c("Cookie: SESSION=C00kie; Path=/", "Cookie: ****; Path=/", "C00kie"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("texts")
  void redactsSecretsInFreeText(String input, String expected, List<String> secrets) {
    String out = Secrets.redact(input);

    assertThat(out).isEqualTo(expected);
    for (String secret : secrets) {
      assertThat(out).doesNotContain(secret);
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("texts")
  void redactIsIdempotent(String input, String expected, List<String> secrets) {
    assertThat(Secrets.redact(Secrets.redact(input))).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Connection refused",
        "FATAL: password authentication failed for user \"app\"",
        "Basic authentication failed",
        "the bearer token expired",
        "retry 3/5 in 200ms (maxRetries=5)",
        "REDIS_URL=redis://h:6379/0 keepalive=true",
        "java.net.ConnectException: Connection refused: localhost/127.0.0.1:7687",
        "Caused by: java.io.IOException: Broken pipe",
        "key_prefix=app: cache_key=user:42",
        "12:30:45.123 [main] INFO started",
        "{\"user\":\"u\",\"retries\":3}",
        "C:\\Program Files\\app",
        "****"
      })
  void leavesTextWithoutSecretsUnchanged(String text) {
    assertThat(Secrets.redact(text)).isEqualTo(text);
  }

  @ParameterizedTest
  @NullAndEmptySource
  void redactNullAndEmpty(String text) {
    assertThat(Secrets.redact(text)).isEqualTo(text);
  }

  @Test
  void sanitizeTreatsNonUrlTextLikeRedact() {
    String text = "connect failed: password=Zz9 Authorization: Bearer Qq.Ww";

    assertThat(Urls.sanitize(text))
        .isEqualTo(Secrets.redact(text))
        .isEqualTo("connect failed: password=**** Authorization: Bearer ****");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"", "'", "\"password\":", "\"password\":\"", "password:", "<password>", "</password>",
        "Bearer", "Bearer ", "Authorization: ", "{\"a\":{", "\\\"", "\\", "\u0000", "\ud800",
        "password={}}}", "=:=:=", "redis://:@", "jdbc:oracle:thin:a/b"
      })
  void redactNeverThrowsOnGarbage(String text) {
    assertThatCode(() -> Secrets.redact(text)).doesNotThrowAnyException();
    assertThat(Secrets.redact(text)).isNotNull();
  }

  @Test
  void redacts100KbOfGarbageFast() {
    StringBuilder sb = new StringBuilder(110_000);
    String[] units = {
      "password=\"", "\"token\":'", "https://u:p@", "Bearer ", "<secret>", "a:b=c ", "@@//??##",
      "jdbc:oracle:thin:x/", "{\\\"api_key\\\":", "key: ", "(password=", "password={"
    };
    for (int i = 0; sb.length() < 100_000; i++) {
      sb.append(units[i % units.length]).append(i % 7 == 0 ? "" : "x");
    }
    String garbage = sb.toString();

    String out = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> Secrets.redact(garbage));

    assertThat(out).isNotNull();
  }

  // ---------------------------------------------------------------------------------------------
  // describe

  @Test
  void describeRedactsTheMessage() {
    Exception e =
        new SQLException("Cannot connect to jdbc:postgresql://app:Pg4ss@db:5432/x?password=Pg4ss");

    assertThat(Secrets.describe(e))
        .isEqualTo("SQLException: Cannot connect to jdbc:postgresql://app:****@db:5432/x?password=****")
        .doesNotContain("Pg4ss");
  }

  @Test
  void describeWithoutMessageIsTheSimpleClassName() {
    assertThat(Secrets.describe(new IOException())).isEqualTo("IOException");
    assertThat(Secrets.describe(new IllegalStateException((String) null)))
        .isEqualTo("IllegalStateException");
  }

  @Test
  void describeKeepsHarmlessMessages() {
    assertThat(Secrets.describe(new IOException("Connection refused")))
        .isEqualTo("IOException: Connection refused");
    assertThat(Secrets.describe(new RuntimeException(""))).isEqualTo("RuntimeException: ");
  }

  @Test
  void describeOfAnonymousClassUsesTheBinaryName() {
    Exception anonymous = new RuntimeException("token=AnonTok") {
          private static final long serialVersionUID = 1L;
        };

    assertThat(Secrets.describe(anonymous))
        .startsWith(SecretsTest.class.getName() + "$")
        .endsWith(": token=****");
  }

  @Test
  void describeOfNullIsNull() {
    assertThat(Secrets.describe(null)).isEqualTo("null");
  }

  @Test
  void describeSurvivesAThrowingGetMessage() {
    Exception weird =
        new RuntimeException() {
          private static final long serialVersionUID = 1L;

          @Override
          public String getMessage() {
            throw new IllegalStateException("boom");
          }
        };

    assertThat(Secrets.describe(weird)).doesNotContain("boom");
  }

  @Test
  void unavailableExceptionMessageNeverShowsTheCausesSecret() {
    Exception cause = new IOException("AUTH failed for redis://default:Rd5ecret@cache:6379");

    ServiceUnavailableException e = new ServiceUnavailableException("cache", "connect failed", cause);

    assertThat(e.getMessage())
        .isEqualTo(
            "'cache' unavailable: connect failed (cause: IOException: AUTH failed for"
                + " redis://default:****@cache:6379)")
        .doesNotContain("Rd5ecret");
  }

  @Test
  void configurationExceptionNeverEchoesASecretValue() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("NEO4J_PASSWORD", "CfgPw1");
    values.put("REDIS_URL", "redis://:CfgPw2@h:6379");

    for (Map.Entry<String, String> v : values.entrySet()) {
      ConfigurationException e = new ConfigurationException(v.getKey(), v.getValue(), "bad");
      assertThat(e.getMessage()).doesNotContain("CfgPw");
    }
  }
}
