package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ErrorClassifierTest {

  /** Stand-ins named like real drivers' unchecked errors (Neo4j, Lettuce, gRPC). */
  static final class ServiceUnavailableDriverException extends RuntimeException {}

  static final class RedisConnectionException extends RuntimeException {}

  static final class RedisCommandTimeoutException extends RuntimeException {}

  static final class TransientDriverException extends RuntimeException {}

  static final class ClientException extends RuntimeException {}

  static final class AuthenticationException extends RuntimeException {}

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(new ConnectException("refused"), ErrorClass.RETRIABLE),
        Arguments.of(new SocketTimeoutException("read timed out"), ErrorClass.RETRIABLE),
        Arguments.of(new IOException("reset"), ErrorClass.RETRIABLE),
        Arguments.of(new UncheckedIOException(new IOException("x")), ErrorClass.RETRIABLE),
        Arguments.of(new TimeoutException(), ErrorClass.RETRIABLE),
        Arguments.of(new CompletionException(new ConnectException()), ErrorClass.RETRIABLE),
        Arguments.of(new ExecutionException(new IllegalArgumentException()), ErrorClass.CALLER_ERROR),
        Arguments.of(new SQLTransientConnectionException("pool timeout"), ErrorClass.RETRIABLE),
        Arguments.of(new SQLException("conn", "08006"), ErrorClass.RETRIABLE),
        Arguments.of(new SQLException("dup", "23505"), ErrorClass.CALLER_ERROR),
        Arguments.of(new SQLIntegrityConstraintViolationException("dup"), ErrorClass.CALLER_ERROR),
        Arguments.of(new SQLSyntaxErrorException("syntax"), ErrorClass.CALLER_ERROR),
        Arguments.of(new SQLException("syntax", "42601"), ErrorClass.CALLER_ERROR),
        Arguments.of(new SQLException("shutdown", "57P01"), ErrorClass.FAILURE),
        Arguments.of(new SQLException("no state"), ErrorClass.FAILURE),
        Arguments.of(new IllegalArgumentException("bad"), ErrorClass.CALLER_ERROR),
        Arguments.of(new NullPointerException(), ErrorClass.CALLER_ERROR),
        Arguments.of(new IllegalStateException(), ErrorClass.CALLER_ERROR),
        Arguments.of(new UnsupportedOperationException(), ErrorClass.CALLER_ERROR),
        Arguments.of(new ServiceUnavailableDriverException(), ErrorClass.RETRIABLE),
        Arguments.of(new RedisConnectionException(), ErrorClass.RETRIABLE),
        Arguments.of(new RedisCommandTimeoutException(), ErrorClass.RETRIABLE),
        Arguments.of(new TransientDriverException(), ErrorClass.RETRIABLE),
        Arguments.of(new ClientException(), ErrorClass.FAILURE),
        Arguments.of(new RuntimeException("unknown"), ErrorClass.FAILURE),
        Arguments.of(new Exception("checked, unknown"), ErrorClass.FAILURE),
        Arguments.of(new AuthenticationException(), ErrorClass.CALLER_ERROR),
        Arguments.of(new IOException("tls", new AuthenticationException()), ErrorClass.CALLER_ERROR),
        Arguments.of(new SecurityException(), ErrorClass.CALLER_ERROR),
        Arguments.of(new ServiceUnavailableException("inner", "down", null), ErrorClass.FAILURE),
        Arguments.of(new OutOfMemoryError(), ErrorClass.CALLER_ERROR));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("table")
  void defaults(Throwable error, ErrorClass expected) {
    assertThat(ErrorClassifier.defaults().classify(error)).isEqualTo(expected);
  }
}
