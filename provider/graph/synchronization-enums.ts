// Graph's synchronization enums that the provider checks inputs against and redacts by: the one
// home of these facts in provider/ (resources and redaction both import them). The emulator keeps
// its own copy from the same docs on purpose; test/unit/synchronization-enums.test.ts checks that
// the two agree.

/**
 * Graph's synchronizationSecret enum (v1.0 metadata): the only keys a secrets PUT accepts.
 * https://learn.microsoft.com/graph/api/resources/synchronization-secretkeystringvaluepair
 */
export const SYNCHRONIZATION_SECRET_KEYS: readonly string[] = [
  "UserName", "Password", "SecretToken", "AppKey", "BaseAddress", "ClientIdentifier", "ClientSecret",
  "SingleSignOnType", "Sandbox", "Url", "Domain", "ConsumerKey", "ConsumerSecret", "TokenKey", "TokenExpiration",
  "Oauth2AccessToken", "Oauth2AccessTokenCreationTime", "Oauth2RefreshToken", "SyncAll", "InstanceName",
  "Oauth2ClientId", "Oauth2ClientSecret", "CompanyId", "UpdateKeyOnSoftDelete", "SynchronizationSchedule",
  "SystemOfRecord", "SandboxName", "EnforceDomain", "SyncNotificationSettings", "SkipOutOfScopeDeletions",
  "Oauth2AuthorizationCode", "Oauth2RedirectUri", "ApplicationTemplateIdentifier", "Oauth2TokenExchangeUri",
  "Oauth2AuthorizationUri", "AuthenticationType", "Server", "PerformInboundEntitlementGrants", "HardDeletesEnabled",
  "SyncAgentCompatibilityKey", "SyncAgentADContainer", "ValidateDomain", "TestReferences", "ConnectionString",
];

/**
 * Keys whose values Graph never returns in clear text: a read shows them masked or not at all, so
 * their values are never compared and their absence is not drift.
 */
export const SECRET_BEARING_KEYS: ReadonlySet<string> = new Set([
  "Password", "SecretToken", "ClientSecret", "AppKey", "ConsumerSecret", "TokenKey", "Oauth2AccessToken",
  "Oauth2RefreshToken", "Oauth2ClientSecret", "Oauth2AuthorizationCode", "ConnectionString", "SyncAgentCompatibilityKey",
]);

/**
 * Keys whose values are credentials and so never reach a log line (graph/redact.ts): the secret-bearing
 * keys plus ConsumerKey, which Graph shows in clear but which is half of an OAuth 1.0 client credential.
 */
export const CREDENTIAL_KEYS: ReadonlySet<string> = new Set([...SECRET_BEARING_KEYS, "ConsumerKey"]);

/** How Graph shows a secret-bearing value on read. */
export const MASKED = "*";

/**
 * synchronizationJobRestartScope flags: a restart's `criteria.resetScope` is a comma list of these.
 * https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-restart
 */
export const RESTART_SCOPES: readonly string[] = ["None", "ConnectorDataStore", "Escrows", "Watermark", "QuarantineState", "Full", "ForceDeletes"];

/** The reset scope of a ProvisioningJob restart when the program names none. */
export const DEFAULT_RESTART_SCOPE = "Full";
