// Graph's synchronizationSecret enum (v1.0 metadata): the only keys a secrets PUT accepts.
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
 * Keys whose values Graph never returns in clear text (graph-api.md §3.3): a read shows them
 * masked or not at all, so their values are never compared and their absence is not drift.
 */
export const SECRET_BEARING_KEYS: ReadonlySet<string> = new Set([
  "Password", "SecretToken", "ClientSecret", "AppKey", "ConsumerSecret", "TokenKey", "Oauth2AccessToken",
  "Oauth2RefreshToken", "Oauth2ClientSecret", "Oauth2AuthorizationCode", "ConnectionString", "SyncAgentCompatibilityKey",
]);

/** How Graph shows a secret-bearing value on read. */
export const MASKED = "*";
