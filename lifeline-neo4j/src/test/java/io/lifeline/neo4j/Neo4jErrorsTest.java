package io.lifeline.neo4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.ErrorClass;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.exceptions.AuthenticationException;
import org.neo4j.driver.exceptions.AuthorizationExpiredException;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.DatabaseException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TokenExpiredException;
import org.neo4j.driver.exceptions.TransientException;

/** The classification table of {@link Neo4jErrors} (pure logic; the real-server tests cover the rest). */
class Neo4jErrorsTest {

  @Test
  void connectionLossAndTransientErrorsAreRetriable() {
    assertThat(Neo4jErrors.classify(new ServiceUnavailableException("down"))).isEqualTo(ErrorClass.RETRIABLE);
    assertThat(Neo4jErrors.classify(new SessionExpiredException("leader gone"))).isEqualTo(ErrorClass.RETRIABLE);
    assertThat(Neo4jErrors.classify(new TransientException("Neo.TransientError.Transaction.DeadlockDetected", "x")))
        .isEqualTo(ErrorClass.RETRIABLE);
    assertThat(Neo4jErrors.classify(new CompletionException(new ServiceUnavailableException("down"))))
        .isEqualTo(ErrorClass.RETRIABLE);
    assertThat(Neo4jErrors.classify(new IOException("reset"))).isEqualTo(ErrorClass.RETRIABLE);
    assertThat(Neo4jErrors.classify(new TimeoutException("attempt"))).isEqualTo(ErrorClass.RETRIABLE);
    assertThat(Neo4jErrors.classify(new AuthorizationExpiredException("Neo.ClientError.Security.AuthorizationExpired", "x")))
        .isEqualTo(ErrorClass.RETRIABLE);
  }

  @Test
  void callerErrorsAreNotRetriedAndDoNotTripTheBreaker() {
    assertThat(Neo4jErrors.classify(new ClientException("Neo.ClientError.Statement.SyntaxError", "x")))
        .isEqualTo(ErrorClass.CALLER_ERROR);
    assertThat(Neo4jErrors.classify(new ClientException("Neo.ClientError.Schema.ConstraintValidationFailed", "x")))
        .isEqualTo(ErrorClass.CALLER_ERROR);
    assertThat(Neo4jErrors.classify(new AuthenticationException("Neo.ClientError.Security.Unauthorized", "x")))
        .isEqualTo(ErrorClass.CALLER_ERROR);
    assertThat(Neo4jErrors.classify(new TokenExpiredException("Neo.ClientError.Security.TokenExpired", "x")))
        .isEqualTo(ErrorClass.CALLER_ERROR);
    assertThat(Neo4jErrors.classify(new TransientException("Neo.TransientError.Transaction.Terminated", "x")))
        .isEqualTo(ErrorClass.CALLER_ERROR);
    assertThat(Neo4jErrors.classify(new TransientException("Neo.TransientError.Transaction.LockClientStopped", "x")))
        .isEqualTo(ErrorClass.CALLER_ERROR);
    assertThat(Neo4jErrors.classify(new IllegalArgumentException())).isEqualTo(ErrorClass.CALLER_ERROR);
  }

  @Test
  void theDriversOwnPoolSaturationIsNotNeo4jsFailure() {
    assertThat(Neo4jErrors.classify(new TransientException(null, "Connection pool pending acquisition queue is full.")))
        .isEqualTo(ErrorClass.CALLER_ERROR);
    assertThat(Neo4jErrors.classify(new ClientException(
        "Unable to acquire connection from the pool within configured maximum time of 60000ms")))
        .isEqualTo(ErrorClass.CALLER_ERROR);
  }

  @Test
  void serverFailuresAndDecidedOutcomesAreNotRetried() {
    assertThat(Neo4jErrors.classify(new DatabaseException("Neo.DatabaseError.General.UnknownError", "x")))
        .isEqualTo(ErrorClass.FAILURE);
    TransactionOutcomeUnknownException unknown =
        new TransactionOutcomeUnknownException("neo4j", new ServiceUnavailableException("cut"));
    assertThat(Neo4jErrors.classify(unknown)).isEqualTo(ErrorClass.FAILURE);
    TimeoutException timedOutInCommit = new TimeoutException("attempt timed out");
    timedOutInCommit.initCause(unknown);
    assertThat(Neo4jErrors.classify(timedOutInCommit)).isEqualTo(ErrorClass.FAILURE);
  }

  @Test
  void connectionFailuresAreRecognisedThroughCauses() {
    assertThat(Neo4jErrors.isConnectionFailure(new ServiceUnavailableException("x"))).isTrue();
    assertThat(Neo4jErrors.isConnectionFailure(new RuntimeException(new IOException("x")))).isTrue();
    assertThat(Neo4jErrors.isConnectionFailure(new ClientException("Neo.ClientError.Statement.SyntaxError", "x")))
        .isFalse();
  }
}
