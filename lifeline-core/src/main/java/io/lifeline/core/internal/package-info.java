/** Implementation classes of {@code io.lifeline.core}. Not API: may change in any release. */
package io.lifeline.core.internal;
