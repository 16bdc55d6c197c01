/** DatabaseConnectionManager: HikariCP that fails fast while the database is down, SQLState classification and a durable write journal. */
package io.lifeline.jdbc;
