package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class UrlsTest {

  /** input, exact expected output, and the secrets that must not survive. */
  private static Arguments c(String input, String expected, String... secrets) {
    return Arguments.of(input, expected, List.of(secrets));
  }

  static Stream<Arguments> urls() {
    return Stream.of(
        // --- JDBC
        c(
            "jdbc:postgresql://dbuser:Pg5ecret@h:5432/db?password=QueryPw1&ssl=true",
            "jdbc:postgresql://dbuser:****@h:5432/db?password=****&ssl=true",
            "Pg5ecret",
            "QueryPw1"),
        c(
            "jdbc:postgresql://h/db?user=u&password=PgQ9pw",
            "jdbc:postgresql://h/db?user=u&password=****",
            "PgQ9pw"),
        c(
            "jdbc:postgresql://h1:5432,h2:5433/db?user=app&password=Multi9&targetServerType=primary",
            "jdbc:postgresql://h1:5432,h2:5433/db?user=app&password=****&targetServerType=primary",
            "Multi9"),
        c(
            "jdbc:mysql://root:My5qlPw@db.example.com:3306/app?useSSL=false",
            "jdbc:mysql://root:****@db.example.com:3306/app?useSSL=false",
            "My5qlPw"),
        c(
            "jdbc:mysql://address=(host=h)(port=3306)(user=u)(password=Paren7)/db",
            "jdbc:mysql://address=(host=h)(port=3306)(user=u)(password=****)/db",
            "Paren7"),
        c(
            "jdbc:mysql:loadbalance://lb:LbPw77@h1:3306,h2:3306/db",
            "jdbc:mysql:loadbalance://lb:****@h1:3306,h2:3306/db",
            "LbPw77"),
        c(
            "jdbc:sqlserver://h:1433;databaseName=db;user=u;password=MsSql9;",
            "jdbc:sqlserver://h:1433;databaseName=db;user=u;password=****;",
            "MsSql9"),
        c(
            "jdbc:sqlserver://h:1433;databaseName=db;user=u;password={Br;ace}}d};encrypt=true",
            "jdbc:sqlserver://h:1433;databaseName=db;user=u;password={****};encrypt=true",
            "Br;ace",
            "}d"),
        c(
            "jdbc:oracle:thin:scott/T1ger@host:1521:sid",
            "jdbc:oracle:thin:scott/****@host:1521:sid",
            "T1ger"),
        c(
            "jdbc:oracle:thin:scott/T1@ger@//host:1521/svc",
            "jdbc:oracle:thin:scott/****@//host:1521/svc",
            "T1@ger",
            "ger@"),
        c("jdbc:h2:mem:test;PASSWORD=H2pw55", "jdbc:h2:mem:test;PASSWORD=****", "H2pw55"),
        c(
            "jdbc:db2://h:50000/db:user=u;password=Db2Pw;",
            "jdbc:db2://h:50000/db:user=u;password=****;",
            "Db2Pw"),
        c(
            "jdbc:snowflake://acct.snowflakecomputing.com/?user=u&private_key_file_pwd=SnowPw&private_key_file=/k.p8",
            "jdbc:snowflake://acct.snowflakecomputing.com/?user=u&private_key_file_pwd=****&private_key_file=/k.p8",
            "SnowPw"),
        // --- Redis (Lettuce / Jedis forms)
        c("redis://:R3disPw@h:6379/0", "redis://****@h:6379/0", "R3disPw"),
        c("redis://alice:R3disPw@h", "redis://alice:****@h", "R3disPw"),
        c("rediss://default:TlsPw99@cache.example:6380", "rediss://default:****@cache.example:6380", "TlsPw99"),
        c(
            "redis-sentinel://:SentPw@h1:26379,h2:26379/0#mymaster",
            "redis-sentinel://****@h1:26379,h2:26379/0#mymaster",
            "SentPw"),
        c("redis://h?password=QpRedis", "redis://h?password=****", "QpRedis"),
        c("redis://h:6379/0?timeout=10s&password=QpRedis2", "redis://h:6379/0?timeout=10s&password=****", "QpRedis2"),
        c("redis://LoneTok3n@h:6379", "redis://****@h:6379", "LoneTok3n"),
        // --- Neo4j
        c("bolt://neo4j:B0ltPw@h:7687", "bolt://neo4j:****@h:7687", "B0ltPw"),
        c("bolt+s://neo4j:B0ltSPw@h:7687", "bolt+s://neo4j:****@h:7687", "B0ltSPw"),
        c("neo4j://neo4j:Neo4jPw@h:7687", "neo4j://neo4j:****@h:7687", "Neo4jPw"),
        c(
            "neo4j+s://neo4j:AuraPw1@abc123.databases.neo4j.io",
            "neo4j+s://neo4j:****@abc123.databases.neo4j.io",
            "AuraPw1"),
        c("neo4j+ssc://neo4j:SscPw@h:7687", "neo4j+ssc://neo4j:****@h:7687", "SscPw"),
        // --- HTTP(S)
        c("https://Tok3nOnly@host/x", "https://****@host/x", "Tok3nOnly"),
        c("https://u:HttpPw@host/x", "https://u:****@host/x", "HttpPw"),
        c(
            "https://host/api?token=QtokA&api_key=QkeyB&page=2",
            "https://host/api?token=****&api_key=****&page=2",
            "QtokA",
            "QkeyB"),
        c(
            "https://h/?a=1&api-key=K1&apikey=K2&key=AIzaK3&key_prefix=kp&access_token=K4&client_secret=K5",
            "https://h/?a=1&api-key=****&apikey=****&key=****&key_prefix=kp&access_token=****&client_secret=****",
            "K1",
            "K2",
            "AIzaK3",
            "K4",
            "K5"),
        c(
            "https://h/cb#access_token=FragTok&token_type=bearer&expires_in=3600",
            "https://h/cb#access_token=****&token_type=bearer&expires_in=3600",
            "FragTok"),
        c("https://u:FragPw@h/page#section-2", "https://u:****@h/page#section-2", "FragPw"),
        c("http://[::1]:8080/", "http://[::1]:8080/"),
        c("http://u:V6Pw@[::1]:8080/x?ok=1", "http://u:****@[::1]:8080/x?ok=1", "V6Pw"),
        c(
            "http://[2001:db8::1]:9200/_search?secret=V6Sec",
            "http://[2001:db8::1]:9200/_search?secret=****",
            "V6Sec"),
        c("https://user:Enc%40dPw@host/", "https://user:****@host/", "Enc%40dPw", "dPw"),
        c("https://user:At@Sign@host:8443/x", "https://user:****@host:8443/x", "At@Sign", "Sign"),
        c("https://user:Col:on:Pw@host/", "https://user:****@host/", "Col:on:Pw", "on:Pw"),
        c("redis://:Sl/ash/Pw@h:6379/0", "redis://****@h:6379/0", "Sl/ash", "ash/Pw"),
        c("redis://:Ha#shPw@h:6379", "redis://****@h:6379", "Ha#shPw", "shPw"),
        c("https://u:Qm?ark@h/x?db=1", "https://u:****@h/x?db=1", "Qm?ark", "ark"),
        c(
            "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789:x-oauth-basic@github.com/o/r.git",
            "https://****@github.com/o/r.git",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        c("https://oauth2:glpat-GitLabTok@gitlab.com/g/p.git", "https://oauth2:****@gitlab.com/g/p.git", "glpat-GitLabTok"),
        c(
            "https://s.blob.core.windows.net/c/b?sv=2022-11-02&se=2030-01-01&sp=r&sig=SasSig%2B%3D",
            "https://s.blob.core.windows.net/c/b?sv=2022-11-02&se=2030-01-01&sp=r&sig=****",
            "SasSig"),
        c(
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAX%2F20240101&X-Amz-Security-Token=S3Tok&X-Amz-Signature=S3Sig",
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=****&X-Amz-Security-Token=****&X-Amz-Signature=****",
            "AKIAX",
            "S3Tok",
            "S3Sig"),
        c("https://h/app;jsessionid=Sess10N", "https://h/app;jsessionid=****", "Sess10N"),
        c("https://h/?next=https://a:NestPw@x/", "https://h/?next=https://a:****@x/", "NestPw"),
        c("https://elastic:changeme@es:9200", "https://elastic:****@es:9200", "changeme"),
        // --- Other brokers and stores
        c(
            "mongodb://mongoU:M0ngoPw@h1:27017,h2:27017/db?replicaSet=rs0&authSource=admin",
            "mongodb://mongoU:****@h1:27017,h2:27017/db?replicaSet=rs0&authSource=admin",
            "M0ngoPw"),
        c(
            "mongodb+srv://u:SrvPw@cluster0.x.mongodb.net/db?retryWrites=true&w=majority",
            "mongodb+srv://u:****@cluster0.x.mongodb.net/db?retryWrites=true&w=majority",
            "SrvPw"),
        c("amqp://guest:Gu3stPw@localhost:5672/%2F", "amqp://guest:****@localhost:5672/%2F", "Gu3stPw"),
        c("amqps://u:AmqpsPw@mq.example:5671/vh", "amqps://u:****@mq.example:5671/vh", "AmqpsPw"),
        c("postgres://pgu:LibPqPw@h/db", "postgres://pgu:****@h/db", "LibPqPw"),
        c(
            "postgresql://u:LibPq2@h1:5432,h2:5433/db?sslpassword=SslPw&application_name=y",
            "postgresql://u:****@h1:5432,h2:5433/db?sslpassword=****&application_name=y",
            "LibPq2",
            "SslPw"),
        c(
            "postgresql:///db?host=/var/run/postgresql&password=SockPw",
            "postgresql:///db?host=/var/run/postgresql&password=****",
            "SockPw"),
        // --- key=value connection strings (no scheme)
        c("host=h password=DsnPw user=u", "host=h password=**** user=u", "DsnPw"),
        c("host=h port=5432 password='Dsn Quoted' dbname=d", "host=h port=5432 password='****' dbname=d", "Dsn Quoted", "Quoted"),
        c(
            "Driver={ODBC Driver 18};Server=h;Uid=u;Pwd={Odbc;Pw};",
            "Driver={ODBC Driver 18};Server=h;Uid=u;Pwd={****};",
            "Odbc;Pw"),
        c(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=AzK3y+abc==;EndpointSuffix=core.windows.net",
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=****;EndpointSuffix=core.windows.net",
            "AzK3y"),
        c(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=SbK3y=",
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=****",
            "SbK3y"),
        // --- case-insensitive keys
        c("redis://h?PassWord=CaseA&TOKEN=CaseB", "redis://h?PassWord=****&TOKEN=****", "CaseA", "CaseB"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("urls")
  void sanitizesEveryUrlForm(String input, String expected, List<String> secrets) {
    String out = Urls.sanitize(input);

    assertThat(out).isEqualTo(expected);
    for (String secret : secrets) {
      assertThat(out).doesNotContain(secret);
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("urls")
  void isIdempotent(String input, String expected, List<String> secrets) {
    assertThat(Urls.sanitize(Urls.sanitize(input))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("urls")
  void redactGivesTheSameResultForAWholeUrl(String input, String expected, List<String> secrets) {
    if (!input.contains(" ")) {
      assertThat(Secrets.redact(input)).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("urls")
  void sanitizesAUrlEmbeddedInAMessage(String input, String expected, List<String> secrets) {
    if (input.contains(" ") || input.contains("'")) {
      return; // a URL inside text ends at whitespace / quotes
    }
    String out = Urls.sanitize("Cannot connect to " + input + " after 3 attempts");

    assertThat(out).isEqualTo("Cannot connect to " + expected + " after 3 attempts");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not a url",
        "localhost:6379",
        "redis://h:6379/0",
        "https://example.com/path?page=2&sort=asc#top",
        "https://h/path?email=a@b.com",
        "https://medium.com/@user/post",
        "http://[::1]:8080/",
        "http://[fe80::1%25eth0]:80/x",
        "jdbc:oracle:thin:@//host:1521/svc",
        "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1521)))",
        "jdbc:postgresql://h:5432/db?sslmode=require&ApplicationName=app",
        "mongodb://h1:27017,h2:27017/db?authSource=admin&authMechanism=SCRAM-SHA-256",
        "redis://user:@h",
        "file:///var/run/app.sock",
        "mailto:ops@example.com",
        "maxRetries=3 keepalive=true key_prefix=app:",
        "user=u host=h",
        "****",
        "redis://****@h",
        "https://u:****@h/?token=****"
      })
  void leavesStringsWithoutSecretsUnchanged(String input) {
    assertThat(Urls.sanitize(input)).isEqualTo(input);
  }

  @ParameterizedTest
  @NullAndEmptySource
  void nullAndEmpty(String input) {
    assertThat(Urls.sanitize(input)).isEqualTo(input);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "::::@@@@//",
        "://@",
        "@",
        ":@",
        "redis://",
        "redis://@",
        "redis://:@",
        "redis://[",
        "redis://[::1",
        "http://@@@/@@@?@@@#@@@",
        "jdbc:",
        "jdbc:oracle:thin:",
        "jdbc:oracle:thin:/@",
        "jdbc:oracle:thin:u/",
        "password=",
        "password='",
        "password={",
        "password=\"unterminated",
        "?&;=#",
        "a://b://c://d@",
        "\u0000\uffff\ud800",
        "%%%%%40%",
        "https://u:p@"
      })
  void neverThrowsOnGarbage(String input) {
    assertThatCode(() -> Urls.sanitize(input)).doesNotThrowAnyException();
    assertThat(Urls.sanitize(input)).isNotNull();
  }

  @Test
  void maskedGarbageStillHidesTheSecret() {
    assertThat(Urls.sanitize("https://u:Gp4ss@")).isEqualTo("https://u:****@");
    assertThat(Urls.sanitize("password=\"Unterm1")).isEqualTo("password=\"****");
  }

  static Stream<Arguments> largeGarbage() {
    int n = 100_000;
    Random random = new Random(7);
    StringBuilder ascii = new StringBuilder(n);
    StringBuilder unicode = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      ascii.append((char) (32 + random.nextInt(95)));
      unicode.append((char) random.nextInt(0xD800));
    }
    Stream<Arguments> random2 = Stream.of(Arguments.of("random ascii", ascii.toString()), Arguments.of("random unicode", unicode.toString()));
    Stream<Arguments> repeated =
        Stream.of(
                "a", "@", ":", "a:", "a:/", "=", "a=", "password=", "password={", "password='",
                "\"password\":", "\\\"password\\\":", "http://", "https://u:p@", "redis://:",
                "jdbc:oracle:thin:u/", "Bearer ", "Bearer a ", "<password>", "?token=", "&",
                "x://y@", "u:p/", " ", "[", "(password=", "\"a\":'", "a a:a=")
            .map(unit -> Arguments.of("repeated '" + unit + "'", repeat(unit, n)));
    return Stream.concat(random2, repeated);
  }

  private static String repeat(String unit, int length) {
    return unit.repeat(length / unit.length() + 1).substring(0, length);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("largeGarbage")
  void handles100KbOfGarbageFast(String name, String garbage) {
    String out =
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> Urls.sanitize(garbage), name);
    assertThat(out).isNotNull();
  }

  @Test
  void handlesAHugeUrlFast() {
    String url = "redis://" + "u".repeat(50_000) + ":" + "Pw/".repeat(20_000) + "@h:6379/0";

    String out = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> Urls.sanitize(url));

    assertThat(out).isEqualTo("redis://****@h:6379/0");
  }
}
