// Generated from the msgraph-metadata CSDL, v1.0 and beta (https://github.com/microsoftgraph/msgraph-metadata).
// Only structural (non-navigation) properties: they decide which names a response carries,
// which names $select accepts and which names a PATCH body may contain.
// Kind: "c" = collection (defaults to []), "b" = non-nullable Boolean (defaults to false), "s" = anything else (defaults to null).

export type PropKind = "c" | "b" | "s";
export type PropList = ReadonlyArray<readonly [string, PropKind]>;

export const APPLICATION_PROPS_V1: PropList = [
  ["addIns", "c"], ["api", "s"], ["appId", "s"], ["applicationTemplateId", "s"], ["appRoles", "c"],
  ["authenticationBehaviors", "s"], ["certification", "s"], ["createdByAppId", "s"], ["createdDateTime", "s"],
  ["defaultRedirectUri", "s"], ["description", "s"], ["disabledByMicrosoftStatus", "s"], ["displayName", "s"],
  ["groupMembershipClaims", "s"], ["identifierUris", "c"], ["info", "s"], ["isDeviceOnlyAuthSupported", "s"],
  ["isDisabled", "s"], ["isFallbackPublicClient", "s"], ["keyCredentials", "c"], ["logo", "s"],
  ["managerApplications", "c"], ["nativeAuthenticationApisEnabled", "s"], ["notes", "s"],
  ["oauth2RequirePostResponse", "b"], ["optionalClaims", "s"], ["parentalControlSettings", "s"],
  ["passwordCredentials", "c"], ["publicClient", "s"], ["publisherDomain", "s"],
  ["requestSignatureVerification", "s"], ["requiredResourceAccess", "c"], ["samlMetadataUrl", "s"],
  ["serviceManagementReference", "s"], ["servicePrincipalLockConfiguration", "s"], ["signInAudience", "s"],
  ["spa", "s"], ["tags", "c"], ["tokenEncryptionKeyId", "s"], ["uniqueName", "s"], ["verifiedPublisher", "s"],
  ["web", "s"],
];

export const APPLICATION_PROPS_BETA: PropList = [
  ["api", "s"], ["appId", "s"], ["appRoles", "c"], ["authenticationBehaviors", "s"], ["createdByAppId", "s"],
  ["createdDateTime", "s"], ["description", "s"], ["disabledByMicrosoftStatus", "s"], ["displayName", "s"],
  ["groupMembershipClaims", "s"], ["identifierUris", "c"], ["info", "s"], ["isDeviceOnlyAuthSupported", "s"],
  ["isDisabled", "s"], ["isFallbackPublicClient", "s"], ["keyCredentials", "c"], ["logo", "s"],
  ["managerApplications", "c"], ["notes", "s"], ["onPremisesPublishing", "s"], ["optionalClaims", "s"],
  ["parentalControlSettings", "s"], ["passwordCredentials", "c"], ["publicClient", "s"], ["publisherDomain", "s"],
  ["requestSignatureVerification", "s"], ["requiredResourceAccess", "c"], ["serviceManagementReference", "s"],
  ["servicePrincipalLockConfiguration", "s"], ["signInAudience", "s"], ["signInAudienceRestrictions", "s"],
  ["spa", "s"], ["tags", "c"], ["tokenEncryptionKeyId", "s"], ["uniqueName", "s"], ["web", "s"],
  ["applicationTemplateId", "s"],
];

export const SERVICE_PRINCIPAL_PROPS_V1: PropList = [
  ["accountEnabled", "s"], ["addIns", "c"], ["alternativeNames", "c"], ["appDescription", "s"],
  ["appDisplayName", "s"], ["appId", "s"], ["applicationTemplateId", "s"], ["appOwnerOrganizationId", "s"],
  ["appRoleAssignmentRequired", "b"], ["appRoles", "c"], ["createdByAppId", "s"], ["customSecurityAttributes", "s"],
  ["description", "s"], ["disabledByMicrosoftStatus", "s"], ["displayName", "s"], ["homepage", "s"], ["info", "s"],
  ["isDisabled", "s"], ["keyCredentials", "c"], ["loginUrl", "s"], ["logoutUrl", "s"], ["notes", "s"],
  ["notificationEmailAddresses", "c"], ["oauth2PermissionScopes", "c"], ["passwordCredentials", "c"],
  ["preferredSingleSignOnMode", "s"], ["preferredTokenSigningKeyThumbprint", "s"], ["replyUrls", "c"],
  ["resourceSpecificApplicationPermissions", "c"], ["samlSingleSignOnSettings", "s"], ["servicePrincipalNames", "c"],
  ["servicePrincipalType", "s"], ["signInAudience", "s"], ["tags", "c"], ["tokenEncryptionKeyId", "s"],
  ["verifiedPublisher", "s"],
];

export const SERVICE_PRINCIPAL_PROPS_BETA: PropList = [
  ["accountEnabled", "s"], ["addIns", "c"], ["alternativeNames", "c"], ["appDescription", "s"],
  ["appDisplayName", "s"], ["appId", "s"], ["applicationTemplateId", "s"], ["appOwnerOrganizationId", "s"],
  ["appRoleAssignmentRequired", "b"], ["appRoles", "c"], ["createdByAppId", "s"], ["customSecurityAttributes", "s"],
  ["description", "s"], ["disabledByMicrosoftStatus", "s"], ["displayName", "s"], ["errorUrl", "s"],
  ["homepage", "s"], ["info", "s"], ["isDisabled", "s"], ["keyCredentials", "c"], ["loginUrl", "s"],
  ["logoutUrl", "s"], ["notes", "s"], ["notificationEmailAddresses", "c"], ["passwordCredentials", "c"],
  ["passwordSingleSignOnSettings", "s"], ["preferredSingleSignOnMode", "s"],
  ["preferredTokenSigningKeyEndDateTime", "s"], ["preferredTokenSigningKeyThumbprint", "s"],
  ["publishedPermissionScopes", "c"], ["publisherName", "s"], ["replyUrls", "c"], ["samlMetadataUrl", "s"],
  ["samlSingleSignOnSettings", "s"], ["servicePrincipalNames", "c"], ["servicePrincipalType", "s"],
  ["signInAudience", "s"], ["tags", "c"], ["tokenEncryptionKeyId", "s"],
];

export const APPLICATION_TEMPLATE_PROPS_V1: PropList = [
  ["categories", "c"], ["deprecationDate", "s"], ["description", "s"], ["displayName", "s"], ["endpoints", "c"],
  ["homePageUrl", "s"], ["isEntraIntegrated", "b"], ["lastModifiedDateTime", "s"], ["logoUrl", "s"],
  ["publisher", "s"], ["riskFactors", "s"], ["riskScore", "s"], ["supportedProvisioningTypes", "c"],
  ["supportedSingleSignOnModes", "c"],
];

export const APPLICATION_TEMPLATE_PROPS_BETA: PropList = [
  ["categories", "c"], ["configurationUris", "c"], ["description", "s"], ["displayName", "s"], ["homePageUrl", "s"],
  ["informationalUrls", "s"], ["logoUrl", "s"], ["publisher", "s"], ["supportedClaimConfiguration", "s"],
  ["supportedProvisioningTypes", "c"], ["supportedSingleSignOnModes", "c"],
];

/** synchronizationSecret enum member names (the wire form of secret keys). */
export const SYNCHRONIZATION_SECRET_KEYS: ReadonlySet<string> = new Set([
  "None", "UserName", "Password", "SecretToken", "AppKey", "BaseAddress", "ClientIdentifier", "ClientSecret",
  "SingleSignOnType", "Sandbox", "Url", "Domain", "ConsumerKey", "ConsumerSecret", "TokenKey", "TokenExpiration",
  "Oauth2AccessToken", "Oauth2AccessTokenCreationTime", "Oauth2RefreshToken", "SyncAll", "InstanceName",
  "Oauth2ClientId", "Oauth2ClientSecret", "CompanyId", "UpdateKeyOnSoftDelete", "SynchronizationSchedule",
  "SystemOfRecord", "SandboxName", "EnforceDomain", "SyncNotificationSettings", "SkipOutOfScopeDeletions",
  "Oauth2AuthorizationCode", "Oauth2RedirectUri", "ApplicationTemplateIdentifier", "Oauth2TokenExchangeUri",
  "Oauth2AuthorizationUri", "AuthenticationType", "Server", "PerformInboundEntitlementGrants", "HardDeletesEnabled",
  "SyncAgentCompatibilityKey", "SyncAgentADContainer", "ValidateDomain", "TestReferences", "ConnectionString",
]);
