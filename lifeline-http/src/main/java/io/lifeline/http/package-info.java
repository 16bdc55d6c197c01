/** HttpServiceConnectionManager and GraphitiConnectionManager on the JDK HttpClient, with Elasticsearch and Milvus health checks. */
package io.lifeline.http;
