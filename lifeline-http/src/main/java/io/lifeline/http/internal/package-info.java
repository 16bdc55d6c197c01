/** Implementation of lifeline-http; not API. */
package io.lifeline.http.internal;
