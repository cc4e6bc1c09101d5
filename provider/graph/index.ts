/**
 * Microsoft Graph client for the provisioning resources. Resources should import from here only.
 */
export { loadGraphSettings, CLOUDS, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RETRIES, DEFAULT_OPERATION_TIMEOUT_SECONDS } from "./settings";
export type { GraphSettings, GraphCloud } from "./settings";
export { GraphClient, getGraphClient, resetGraphClients } from "./client";
export type { GraphRequest, GraphReadRequest, GraphWriteRequest, GraphResponse, QueryValue } from "./request";
export type { GraphClientOptions } from "./client";
export { GraphError, ConfigError, isGraphError, codeForStatus, parseGraphErrorBody } from "./errors";
export type { GraphErrorCode, GraphErrorInit } from "./errors";
export { endpoints, path, isIdempotent, routeOf } from "./endpoints";
export { odataString, isGuid } from "./odata";
export type { Endpoint, HttpMethod, TemplateParams } from "./endpoints";
export { untilVisible, waitFor, createOnce, isNotYetVisible } from "./consistency";
export type { PollOptions, CreateOnceOptions } from "./consistency";
export { iteratePages, iterateItems, listAll } from "./paging";
export type { ODataPage } from "./paging";
export { AdaptiveLimiter, KeyedSerializer, serializeBy } from "./limiter";
export type { AdaptiveLimiterOptions, LimiterPermit } from "./limiter";
export {
  decideRetry,
  parseRetryAfter,
  fullJitterDelay,
  equalJitterDelay,
  DEFAULT_RETRY_OPTIONS,
  CONSISTENCY_CODES,
} from "./retry";
export type { RetryOptions, RetryDecision, AttemptOutcome, AttemptContext } from "./retry";
export { GraphCounters } from "./counters";
export type { GraphCountersSnapshot } from "./counters";
export { formatLogEvent, defaultLogger } from "./log";
export type { GraphLogEvent, GraphLogger } from "./log";
export { redact, registerSecret, registerSecretsInBody, REDACTED } from "./redact";
export { SYNCHRONIZATION_SECRET_KEYS, SECRET_BEARING_KEYS, CREDENTIAL_KEYS, MASKED, RESTART_SCOPES, DEFAULT_RESTART_SCOPE } from "./synchronization-enums";
export { CachedTokenProvider, createCredential } from "./auth";
export type { AccessTokenProvider, CredentialKind } from "./auth";
export { sharedDispatcher, createDispatcher, closeSharedDispatchers } from "./transport";
export { VisibilityDelay } from "./visibility";
export type { VisibilityOptions } from "./visibility";
export { systemClock } from "./clock";
export type { Clock } from "./clock";
