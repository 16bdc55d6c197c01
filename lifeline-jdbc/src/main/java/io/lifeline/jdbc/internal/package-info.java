/** Implementation of {@code lifeline-jdbc}: the observing data source, the write journal, the async runner. Not API. */
package io.lifeline.jdbc.internal;
